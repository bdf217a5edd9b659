import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeProvider } from "../fixtures/ai/fake-provider.js";
import { anthropicMessage, chatCompletion, chatStream, json, sse } from "../fixtures/ai/provider-replies.js";

// The AI instrumentation as users install it: `npm pack`, then the tarball and the real SDKs
// installed in a scratch project (from the npm cache), used from CommonJS and ES modules, with
// `collector.instrument()` and with the zero-code instrumentations (require-in-the-middle; the
// ES-module hook `--import @opentelemetry/instrumentation/hook.mjs`).
// Its own small pack-and-install: the package tier's shared `installedPackage()` helper
// (test/package/) was not on main when this was written, and its project has no AI SDKs.

const run = promisify(execFile);
const REPO = join(import.meta.dirname, "..", "..");
const versionOf = (name: string) =>
  (JSON.parse(readFileSync(join(REPO, "node_modules", name, "package.json"), "utf8")) as { version: string })
    .version;

let project: string;
const provider = new FakeProvider();

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), "zoran-ai-packed-"));
  await run("npm", ["pack", "--pack-destination", project, "--silent"], {
    cwd: REPO,
    timeout: 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const tarball = readdirSync(project).find((file) => file.endsWith(".tgz"))!;
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "ai-consumer", version: "1.0.0", private: true }),
  );
  await run(
    "npm",
    [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
      join(project, tarball),
      `openai@${versionOf("openai")}`,
      `@anthropic-ai/sdk@${versionOf("@anthropic-ai/sdk")}`,
      `@opentelemetry/instrumentation@${versionOf("@opentelemetry/instrumentation")}`,
    ],
    { cwd: project, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 },
  );
  await provider.start();
  provider.otherwise((request) =>
    request.path === "/v1/messages"
      ? json(anthropicMessage({ usage: { input: 20, output: 5 } }))
      : request.body?.stream === true
        ? sse(chatStream({ usage: { input: 12, output: 6 } }))
        : json(chatCompletion({ usage: { input: 11, output: 3 } })),
  );
}, 660_000);

afterAll(async () => {
  await provider.stop();
  if (project) rmSync(project, { recursive: true, force: true });
});

/** The user script's body: one plain and one streamed OpenAI call, one Anthropic call, then the counts. */
const CALLS = `
  const url = process.env.FAKE_PROVIDER_URL;
  const openai = wrap(new OpenAI({ apiKey: "k", baseURL: url + "/v1", maxRetries: 0 }));
  await openai.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] });
  const stream = await openai.chat.completions.create({
    model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }], stream: true, stream_options: { include_usage: true },
  });
  for await (const _ of stream) {}
  const anthropic = wrap(new Anthropic({ apiKey: "k", baseURL: url, maxRetries: 0 }));
  await anthropic.messages.create({ model: "claude-sonnet-4-5", max_tokens: 9, messages: [{ role: "user", content: "x" }] });
  const text = await collector.export("prometheus");
  const sum = (prefix) => text.split("\\n").filter((l) => l.startsWith(prefix)).reduce((t, l) => t + Number(l.split(" ").pop()), 0);
  console.log(JSON.stringify({
    requests: sum('zoran_requests_total{operation="chat gpt-4o-mini"'),
    input: sum('zoran_tokens_total{operation="chat gpt-4o-mini",exchange="ai_human",direction="input"}'),
    ttft: sum('zoran_time_to_first_token_seconds_count{operation="chat gpt-4o-mini"'),
    anthropicOutput: sum('zoran_tokens_total{operation="chat claude-sonnet-4-5",exchange="ai_human",direction="output"}'),
  }));
  await collector.shutdown();
`;

const EXPECTED = { requests: 2, input: 23, ttft: 1, anthropicOutput: 5 };

async function runScript(file: string, source: string, nodeArgs: string[] = []): Promise<unknown> {
  writeFileSync(join(project, file), source);
  const { stdout } = await run(process.execPath, [...nodeArgs, file], {
    cwd: project,
    timeout: 60_000,
    env: { ...process.env, FAKE_PROVIDER_URL: provider.url, OTEL_LOG_LEVEL: "error" },
  });
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}

describe("the packed package with the real AI SDKs", () => {
  it("collector.instrument() works under require() (CommonJS)", async () => {
    const source = `
      const { TelemetryCollector } = require("zoran-telemetrie");
      const { OpenAI } = require("openai");
      const Anthropic = require("@anthropic-ai/sdk").default;
      const collector = new TelemetryCollector({ exporter: "none", saturation: false });
      const wrap = (client) => collector.instrument(client);
      (async () => { ${CALLS} })();`;
    expect(await runScript("instrument.cjs", source)).toEqual(EXPECTED);
  });

  it("collector.instrument() works under import (ES modules)", async () => {
    const source = `
      import { TelemetryCollector } from "zoran-telemetrie";
      import OpenAI from "openai";
      import Anthropic from "@anthropic-ai/sdk";
      const collector = new TelemetryCollector({ exporter: "none", saturation: false });
      const wrap = (client) => collector.instrument(client);
      ${CALLS}`;
    expect(await runScript("instrument.mjs", source)).toEqual(EXPECTED);
  });

  it("the zero-code instrumentations patch require()d SDKs (require-in-the-middle)", async () => {
    const source = `
      const { TelemetryCollector } = require("zoran-telemetrie");
      const { OpenAIInstrumentation, AnthropicInstrumentation } = require("zoran-telemetrie/instrumentation");
      const { registerInstrumentations } = require("@opentelemetry/instrumentation");
      const collector = new TelemetryCollector({ exporter: "none", saturation: false });
      registerInstrumentations({ instrumentations: [new OpenAIInstrumentation({ collector }), new AnthropicInstrumentation({ collector })] });
      const { OpenAI } = require("openai");
      const Anthropic = require("@anthropic-ai/sdk").default;
      const wrap = (client) => client;
      (async () => { ${CALLS} })();`;
    expect(await runScript("zero-code.cjs", source)).toEqual(EXPECTED);
  });

  it("the zero-code instrumentations patch imported SDKs with the documented ESM hook", async () => {
    const source = `
      import { TelemetryCollector } from "zoran-telemetrie";
      import { OpenAIInstrumentation, AnthropicInstrumentation } from "zoran-telemetrie/instrumentation";
      import { registerInstrumentations } from "@opentelemetry/instrumentation";
      const collector = new TelemetryCollector({ exporter: "none", saturation: false });
      registerInstrumentations({ instrumentations: [new OpenAIInstrumentation({ collector }), new AnthropicInstrumentation({ collector })] });
      // Imported after the instrumentations are registered (static imports would load first).
      const { default: OpenAI } = await import("openai");
      const { default: Anthropic } = await import("@anthropic-ai/sdk");
      const wrap = (client) => client;
      ${CALLS}`;
    expect(
      await runScript("zero-code.mjs", source, [
        "--experimental-loader=@opentelemetry/instrumentation/hook.mjs",
      ]),
    ).toEqual(EXPECTED);
  });
});
