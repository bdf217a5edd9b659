import { writeFileSync } from "node:fs";
import { join } from "node:path";

/** How a user's script loads the package: `import` from a `.mjs` file or `require` from a `.cjs` one. */
export interface ModuleSystem {
  readonly name: "import" | "require";
  readonly extension: "mjs" | "cjs";
}

/** Both ways users load the package; each package test runs under both. */
export const MODULE_SYSTEMS: readonly ModuleSystem[] = [
  { name: "import", extension: "mjs" },
  { name: "require", extension: "cjs" },
];

/** What a user script imports and does. */
export interface UserScriptSource {
  /** Specifier -> named bindings, or the name of a binding for the whole module (`* as name`). */
  readonly imports: Readonly<Record<string, readonly string[] | string>>;
  /** Statements; `await` is allowed (a CommonJS script wraps them in an async function). */
  readonly body: string;
}

/**
 * Writes a user's script in `dir` for one module system and returns its path: the same body
 * behind `import { a } from "x"` or `const { a } = require("x")`. A rejection exits with 1.
 */
export function writeUserScript(
  dir: string,
  name: string,
  system: ModuleSystem,
  source: UserScriptSource,
): string {
  const imports = Object.entries(source.imports).map(([specifier, names]) => {
    const from = JSON.stringify(specifier);
    if (typeof names === "string") {
      return system.name === "import"
        ? `import * as ${names} from ${from};`
        : `const ${names} = require(${from});`;
    }
    return system.name === "import"
      ? `import { ${names.join(", ")} } from ${from};`
      : `const { ${names.join(", ")} } = require(${from});`;
  });
  const onError = "(error) => { console.error(error); process.exitCode = 1; }";
  const text =
    system.name === "import"
      ? `${imports.join("\n")}\ntry {\n${source.body}\n} catch (error) {\n  (${onError})(error);\n}\n`
      : `${imports.join("\n")}\n(async () => {\n${source.body}\n})().catch(${onError});\n`;
  const path = join(dir, `${name}.${system.extension}`);
  writeFileSync(path, text);
  return path;
}
