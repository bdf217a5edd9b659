import { encodeLabels } from "../../src/exporters/prometheus/prometheus-serializer.js";
import type { MetricTable } from "../../src/recording/metric-table.js";

/**
 * The floor of `/metrics` for histograms: every byte that does not depend on a value is encoded
 * once (the `name_bucket{labels,le="bound"} ` prefixes), and a scrape only writes numbers after
 * them into one reused Buffer. No `# HELP`, no escaping, no snapshot objects: what no real
 * serializer can beat, so ours is compared against it (the floor: ~30 ms at 10,000 sets, docs/benchmarks.md).
 */
export class FloorHistogramSerializer {
  private readonly prefixes: Buffer[][] = [];
  private buffer = Buffer.allocUnsafe(1 << 20);

  constructor(
    name: string,
    private readonly table: MetricTable,
  ) {
    for (let s = 0; s < table.size; s++) {
      const values = table.labelValues(s) ?? [];
      const labels = encodeLabels(
        Object.fromEntries(table.definition.labels.map((key, k) => [key, values[k] ?? ""])),
      );
      const lines: Buffer[] = [];
      for (const bound of table.bounds) lines.push(Buffer.from(`${name}_bucket{${labels},le="${bound}"} `));
      lines.push(Buffer.from(`${name}_bucket{${labels},le="+Inf"} `));
      lines.push(Buffer.from(`${name}_sum{${labels}} `));
      lines.push(Buffer.from(`${name}_count{${labels}} `));
      this.prefixes.push(lines);
    }
  }

  /** Writes every series into the reused Buffer; returns the bytes written (a view, not a copy). */
  serialize(): Buffer {
    let pos = 0;
    const table = this.table;
    const n = table.bounds.length;
    for (let s = 0; s < table.size; s++) {
      const data = table.dataOf(s);
      const offset = table.offsetOf(s);
      const lines = this.prefixes[s]!;
      let cumulative = 0;
      for (let i = 0; i <= n + 2; i++) {
        let value: number;
        if (i <= n) {
          cumulative += data[offset + i]!;
          value = cumulative;
        } else value = i === n + 1 ? data[offset + i]! : cumulative; // sum, then count (= the +Inf bucket)
        const prefix = lines[i]!;
        if (pos + prefix.length + 32 > this.buffer.length) this.grow();
        pos += prefix.copy(this.buffer, pos);
        pos += this.buffer.write(String(value), pos, "latin1");
        this.buffer[pos++] = 10;
      }
    }
    return this.buffer.subarray(0, pos);
  }

  private grow(): void {
    const bigger = Buffer.allocUnsafe(this.buffer.length * 2);
    this.buffer.copy(bigger);
    this.buffer = bigger;
  }
}
