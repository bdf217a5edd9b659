import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireBinary } from "../helpers/require-binary.js";
import { type InstalledPackage, installedPackage } from "./installed-package.js";
import { LIVE_PAGE_ASSETS, type LivePageReading, readLivePage } from "./read-live-page.js";
import { userEnv } from "./run-process.js";
import { SERVING_PATTERN, serviceScript } from "./service-script.js";
import { startProcess } from "./start-process.js";
import { MODULE_SYSTEMS, writeUserScript } from "./write-user-script.js";

const CHROMIUM = requireBinary("/usr/bin/chromium");
/** What the demo prints once it serves: `  live page:  http://127.0.0.1:PORT/`. */
const DEMO_LIVE_PAGE = /live page:\s+(http:\/\/127\.0\.0\.1:\d+)\/$/m;

/** The checks a user makes by looking: four charts drawn, live status, nothing failed to load. */
function expectWorkingLivePage(reading: LivePageReading): void {
  // First: a blank page (uPlot not loaded) must fail here, whatever else it shows.
  const seen = `line pixels ${JSON.stringify(reading.linePixels)}, status "${reading.status}", responses ${reading.responses.join(", ")}`;
  expect(reading.drawnCharts, `charts drawn (${seen})`).toHaveLength(4);
  expect(reading.status).toMatch(/^live/);
  expect(reading.status).not.toMatch(/disconnected|error/);
  expect(
    reading.responses.filter((response) => !response.startsWith("200 ")),
    "responses other than 200",
  ).toEqual([]);
  for (const asset of LIVE_PAGE_ASSETS) expect(reading.responses).toContain(`200 ${asset}`);
  expect(reading.responses).toContain("200 /api/snapshot");
  expect(reading.problems).toEqual([]);
}

describe.skipIf(CHROMIUM === null)("the installed package's live page in Chromium", () => {
  let pkg: InstalledPackage;
  let dir: string;
  let browser: Browser;
  beforeAll(async () => {
    pkg = await installedPackage();
    dir = mkdtempSync(join(pkg.projectDir, "live-page-"));
    browser = await chromium.launch({
      executablePath: CHROMIUM!,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      timeout: 30_000,
    });
  }, 660_000);
  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("zoran-telemetrie demo (the ESM bin) draws four charts", async () => {
    const demo = await startProcess(pkg.bin, ["demo", "--port", "0", "--rate", "40", "--seed", "7"], {
      cwd: dir,
      env: userEnv(),
      readyPattern: DEMO_LIVE_PAGE,
    });
    try {
      // The demo's window takes a point every 2 s: lines need two of them.
      expectWorkingLivePage(await readLivePage(browser, demo.ready[1]!, 60_000));
    } finally {
      expect(await demo.stop(), demo.output()).toBe(0);
    }
    expect(demo.stderr()).toBe("");
  }, 90_000);

  for (const system of MODULE_SYSTEMS) {
    it(`a user's service that loads the package with ${system.name} serves it with four charts`, async () => {
      const script = writeUserScript(
        dir,
        "live-service",
        system,
        serviceScript({ serviceName: `live-${system.name}`, traffic: "continuous", saturation: true }),
      );
      const service = await startProcess(process.execPath, [script], {
        cwd: dir,
        env: userEnv(),
        readyPattern: SERVING_PATTERN,
      });
      try {
        expectWorkingLivePage(await readLivePage(browser, service.ready[1]!, 30_000));
      } finally {
        expect(await service.stop(), service.output()).toBe(0);
      }
      expect(service.stderr()).toBe("");
    }, 60_000);
  }
});
