import { join } from "node:path";
import ts from "typescript";

const SRC = join(import.meta.dirname, "..", "..", "src");

/** The package's public entry points: subpath -> source file (package.json `exports`). */
export const ENTRY_FILES: Readonly<Record<string, string>> = {
  "zoran-telemetrie": "index.ts",
  "zoran-telemetrie/alerting": "alerting/index.ts",
  "zoran-telemetrie/cluster": "cluster/index.ts",
  "zoran-telemetrie/dashboards": "dashboards/index.ts",
  "zoran-telemetrie/testing": "testing/index.ts",
};

/** One exported name and what it is (`class`, `function`, `const`, `type`, `interface`, `enum`). */
export interface ApiEntry {
  readonly name: string;
  readonly kind: string;
}

function kindOf(checker: ts.TypeChecker, symbol: ts.Symbol): string {
  const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const flags = target.flags;
  if (flags & ts.SymbolFlags.Class) return "class";
  if (flags & ts.SymbolFlags.Function) return "function";
  if (flags & ts.SymbolFlags.Enum) return "enum";
  if (flags & ts.SymbolFlags.Variable) return "const";
  if (flags & ts.SymbolFlags.Interface) return "interface";
  return "type";
}

/** Every exported name of every entry point, sorted: the API report, read with the TypeScript compiler. */
export function apiReport(): Record<string, ApiEntry[]> {
  const files = Object.values(ENTRY_FILES).map((file) => join(SRC, file));
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const report: Record<string, ApiEntry[]> = {};
  for (const [subpath, file] of Object.entries(ENTRY_FILES)) {
    const source = program.getSourceFile(join(SRC, file));
    const module = source && checker.getSymbolAtLocation(source);
    if (module === undefined) throw new Error(`cannot read ${file}`);
    report[subpath] = checker
      .getExportsOfModule(module)
      .map((symbol) => ({ name: symbol.getName(), kind: kindOf(checker, symbol) }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }
  return report;
}

/** The report as the Markdown section of docs/api.md between its markers. */
export function renderApiReport(report: Record<string, ApiEntry[]>): string {
  const lines: string[] = [];
  for (const [subpath, entries] of Object.entries(report)) {
    lines.push(`### \`${subpath}\` (${entries.length})`, "");
    const values = entries.filter((e) => !["type", "interface"].includes(e.kind));
    const types = entries.filter((e) => ["type", "interface"].includes(e.kind));
    lines.push(`Values: ${values.map((e) => `\`${e.name}\` (${e.kind})`).join(", ") || "none"}.`, "");
    lines.push(`Types: ${types.map((e) => `\`${e.name}\``).join(", ") || "none"}.`, "");
  }
  return lines.join("\n");
}
