import { dashboardsCommand } from "./dashboards-command.js";
import { demoCommand } from "./demo-command.js";
import { exportCommand } from "./export-command.js";
import { rulesCommand } from "./rules-command.js";

/** The subcommands of the `zoran-telemetrie` binary: name, one-line help, entry point. */
const COMMANDS: Readonly<Record<string, { summary: string; run: (argv: string[]) => Promise<number> }>> = {
  demo: { summary: "run a simulated AI service with live golden signals on /metrics", run: demoCommand },
  export: {
    summary: "write a running endpoint's snapshot as JSON Lines or CSV (--format, --from, --out)",
    run: exportCommand,
  },
  rules: {
    summary: "write the alert and recording rules as a Prometheus rule file (--out FILE)",
    run: rulesCommand,
  },
  dashboards: { summary: "write the Grafana and Kibana dashboards (--out DIR)", run: dashboardsCommand },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(12)}${summary}`);
  return `Usage: zoran-telemetrie <command> [options]\n\nCommands:\n${lines.join("\n")}\n\nRun "zoran-telemetrie <command> --help" for a command's options.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`zoran-telemetrie: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    process.stderr.write(`zoran-telemetrie ${name}: ${(error as Error).message}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`zoran-telemetrie: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
