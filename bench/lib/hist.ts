// Latency histograms (HdrHistogram, microsecond resolution, reported in milliseconds).
import * as hdr from 'hdr-histogram-js';
import { round } from './proc.js';

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export class Latency {
  private readonly h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 });

  /** Records one latency given in milliseconds (performance.now() differences). */
  record(ms: number): void {
    this.h.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  get count(): number {
    return this.h.totalCount;
  }

  summary(): LatencySummary {
    const ms = (us: number) => round(us / 1000, 2);
    return {
      count: this.h.totalCount,
      p50: ms(this.h.getValueAtPercentile(50)),
      p99: ms(this.h.getValueAtPercentile(99)),
      max: ms(this.h.maxValue),
    };
  }
}
