/**
 * The fleet artefacts in deploy/ are what users copy: the Prometheus configuration passes
 * `promtool check config` (with its rule file pointed at the generated one), its file-SD example
 * has the shape Prometheus reads, and the Kubernetes and OpenTelemetry Collector files are
 * consistent with each other and with the library's defaults. (The fleet test runs the same
 * Prometheus file against real engines.)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments, stringify } from "yaml";
import { requireBinary } from "../helpers/require-binary.js";

const promtool = requireBinary("promtool");
const REPO = join(import.meta.dirname, "..", "..");
const DEPLOY = join(REPO, "deploy");

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML, walked by key in the assertions.
type Yaml = Record<string, any>;

function yamlFile(path: string): Yaml {
  return parse(readFileSync(join(DEPLOY, path), "utf8"));
}

function manifests(path: string): Yaml[] {
  return parseAllDocuments(readFileSync(join(DEPLOY, path), "utf8")).map((doc) => doc.toJS());
}

describe("deploy/prometheus", () => {
  it.skipIf(!promtool)("passes promtool check config with the generated rule file", () => {
    const config = yamlFile("prometheus/prometheus.yml");
    config.rule_files = [join(REPO, "dashboards/prometheus/zoran-telemetrie.rules.yml")];
    const dir = mkdtempSync(join(tmpdir(), "zoran-deploy-"));
    try {
      const file = join(dir, "prometheus.yml");
      writeFileSync(file, stringify(config));
      const result = spawnSync(promtool!, ["check", "config", file], { encoding: "utf8" });
      expect(`${result.stdout}${result.stderr}`).toContain("SUCCESS");
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("discovers targets from files and remote-writes to VictoriaMetrics", () => {
    const config = yamlFile("prometheus/prometheus.yml");
    const [job] = config.scrape_configs;
    expect(job.file_sd_configs[0].files[0]).toMatch(/\*\.json$/);
    expect(config.remote_write[0].url).toMatch(/\/api\/v1\/write$/);
  });

  it("ships file-SD target files in the shape Prometheus reads: [{ targets, labels }]", () => {
    const files = readdirSync(join(DEPLOY, "prometheus/targets")).filter((f) => f.endsWith(".json"));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const groups = JSON.parse(readFileSync(join(DEPLOY, "prometheus/targets", file), "utf8"));
      expect(Array.isArray(groups)).toBe(true);
      for (const group of groups) {
        expect(Object.keys(group).sort()).toEqual(["labels", "targets"]);
        for (const target of group.targets) expect(target).toMatch(/^[\w.-]+:\d+$/);
        for (const value of Object.values(group.labels)) expect(typeof value).toBe("string");
      }
    }
  });
});

describe("deploy/kubernetes", () => {
  const [deployment] = manifests("kubernetes/deployment.yaml");
  const pod = deployment!.spec.template;
  const container = pod.spec.containers[0];
  const metricsPort = container.ports.find((p: { name: string }) => p.name === "metrics");
  const env = Object.fromEntries(
    container.env.map((e: { name: string; value?: string }) => [e.name, e.value]),
  );

  it("binds the endpoint on the pod's interfaces (the library binds 127.0.0.1 by default) on the announced port", () => {
    expect(env.OTEL_EXPORTER_PROMETHEUS_HOST).toBe("0.0.0.0");
    expect(Number(env.OTEL_EXPORTER_PROMETHEUS_PORT)).toBe(metricsPort.containerPort);
    expect(Number(pod.metadata.annotations["prometheus.io/port"])).toBe(metricsPort.containerPort);
    expect(pod.metadata.annotations["prometheus.io/path"]).toBe("/metrics");
    expect(env.OTEL_RESOURCE_ATTRIBUTES).toContain("service.instance.id=");
  });

  it("has a PodMonitor and a ServiceMonitor that select these pods on the metrics port", () => {
    const [podMonitor] = manifests("kubernetes/pod-monitor.yaml");
    expect(podMonitor!.kind).toBe("PodMonitor");
    expect(pod.metadata.labels).toMatchObject(podMonitor!.spec.selector.matchLabels);
    expect(podMonitor!.spec.podMetricsEndpoints[0].port).toBe("metrics");

    const [service, serviceMonitor] = manifests("kubernetes/service-monitor.yaml");
    expect(service!.kind).toBe("Service");
    expect(pod.metadata.labels).toMatchObject(service!.spec.selector);
    expect(service!.spec.ports[0].targetPort).toBe("metrics");
    expect(serviceMonitor!.kind).toBe("ServiceMonitor");
    expect(service!.metadata.labels).toMatchObject(serviceMonitor!.spec.selector.matchLabels);
    expect(serviceMonitor!.spec.endpoints[0].port).toBe(service!.spec.ports[0].name);
  });

  it("keeps only annotated pods in the plain-Prometheus scrape config", () => {
    const config = yamlFile("kubernetes/prometheus-annotations.yml");
    const [job] = config.scrape_configs;
    expect(job.kubernetes_sd_configs[0].role).toBe("pod");
    const keep = job.relabel_configs.find((r: { action?: string }) => r.action === "keep");
    expect(keep.source_labels).toEqual(["__meta_kubernetes_pod_annotation_prometheus_io_scrape"]);
  });
});

describe("deploy/otel-collector", () => {
  const config = yamlFile("otel-collector/otel-collector.yaml");

  it("wires every pipeline to defined components, memory_limiter first", () => {
    for (const [name, pipeline] of Object.entries<Record<string, string[]>>(config.service.pipelines)) {
      for (const kind of ["receivers", "processors", "exporters"] as const) {
        for (const component of pipeline[kind] ?? []) {
          expect(config[kind], `${name} uses ${component}`).toHaveProperty([component]);
        }
      }
      expect(pipeline.processors?.[0], name).toBe("memory_limiter");
    }
  });

  it("sends cumulative metrics to remote write and delta histograms only to Elasticsearch", () => {
    const { pipelines } = config.service;
    expect(pipelines["metrics/prometheus"].exporters).toEqual(["prometheusremotewrite"]);
    expect(pipelines["metrics/prometheus"].processors).not.toContain("cumulativetodelta");
    expect(pipelines["metrics/elasticsearch"].processors).toContain("cumulativetodelta");
    expect(config.exporters.elasticsearch.mapping.mode).toBe("otel");
    expect(config.exporters.prometheusremotewrite.endpoint).toMatch(/\/api\/v1\/write$/);
  });
});
