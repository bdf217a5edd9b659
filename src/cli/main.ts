import { readFileSync } from "node:fs";
import { type CommandSpec, formatUsage } from "./command-line.js";
import { DASHBOARDS_COMMAND, dashboardsCommand } from "./dashboards-command.js";
import { DEMO_COMMAND, demoCommand } from "./demo-command.js";
import { EXPORT_COMMAND, exportCommand } from "./export-command.js";
import { RULES_COMMAND, rulesCommand } from "./rules-command.js";
import { stdoutClosed, writeOut } from "./stdout-closed.js";

/** The subcommands of the `zoran-telemetrie` binary: their flags and entry points. */
const COMMANDS: readonly { spec: CommandSpec; run: (argv: string[]) => Promise<number> }[] = [
  { spec: DEMO_COMMAND, run: demoCommand },
  { spec: EXPORT_COMMAND, run: exportCommand },
  { spec: RULES_COMMAND, run: rulesCommand },
  { spec: DASHBOARDS_COMMAND, run: dashboardsCommand },
];

function usage(): string {
  const lines = COMMANDS.map(({ spec }) => `  ${spec.name.padEnd(12)}${spec.summary}`);
  return (
    "Usage: zoran-telemetrie <command> [options]\n" +
    "       zoran-telemetrie help <command> | --help | --version\n\n" +
    `Commands:\n${lines.join("\n")}\n\n` +
    'Run "zoran-telemetrie help <command>" for a command\'s options.\n'
  );
}

/**
 * The package's version, read from its package.json: two folders up from both `src/cli/main.ts`
 * (run by tsx) and `dist/cli/main.js` (the installed binary).
 */
function version(): string {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return manifest.version;
}

function find(name: string) {
  return COMMANDS.find(({ spec }) => spec.name === name);
}

async function main(argv: string[]): Promise<number> {
  stdoutClosed();
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(usage());
    return 2;
  }
  if (name === "--help" || name === "-h") {
    writeOut(usage());
    return 0;
  }
  if (name === "--version" || name === "-v" || name === "version") {
    writeOut(`${version()}\n`);
    return 0;
  }
  if (name === "help") {
    const [topic, ...extra] = rest;
    if (topic === undefined) {
      writeOut(usage());
      return 0;
    }
    const command = find(topic);
    if (command === undefined || extra.length > 0) {
      process.stderr.write(
        `zoran-telemetrie help: ${command === undefined ? `unknown command "${topic}"` : "takes one command name"}\n\n${usage()}`,
      );
      return 2;
    }
    writeOut(formatUsage(command.spec));
    return 0;
  }
  const command = find(name);
  if (command === undefined) {
    process.stderr.write(`zoran-telemetrie: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`zoran-telemetrie: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
