// Copyright 2026 the framewire authors. MIT license.
// Progress display for transfers: a redrawn bar with bytes, rate and ETA on
// a terminal; nothing while running otherwise (a log wants one summary line,
// not thousands of carriage returns).

const encoder = new TextEncoder();
const BAR_CELLS = 24;
// Redraw at most this often: a terminal cannot show more, and each redraw
// is a write on the transfer's event loop.
const REDRAW_MS = 100;

/** Formats a byte count: "999 B", "1.5 KiB", "12.3 MiB", "1.00 GiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)} ${
    units[unit]
  }`;
}

/** Formats seconds as "m:ss" or "h:mm:ss"; "--:--" when unknown. */
export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) {
    return "--:--";
  }
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** One line of the bar: `[#####.....]  45% 12.0 MiB / 26.7 MiB  310 MiB/s  ETA 0:01`. */
export function formatProgressLine(
  done: number,
  total: number | undefined,
  elapsedMs: number,
  startedAt = 0,
): string {
  const transferred = done - startedAt;
  const rate = elapsedMs > 0 ? transferred / (elapsedMs / 1000) : 0;
  const rateText = `${formatBytes(Math.round(rate))}/s`;
  if (total === undefined || total === 0) {
    return `${formatBytes(done)}  ${rateText}`;
  }
  const fraction = Math.min(1, done / total);
  const filled = Math.round(fraction * BAR_CELLS);
  const bar = "#".repeat(filled) + ".".repeat(BAR_CELLS - filled);
  const eta = rate > 0 ? (total - done) / rate : undefined;
  return `[${bar}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${
    formatBytes(done)
  } / ${formatBytes(total)}  ${rateText}  ETA ${formatEta(eta)}`;
}

/** Draws a progress bar on a terminal; silent when `enabled` is false. */
export class ProgressBar {
  #enabled: boolean;
  #started = performance.now();
  #startedAt: number | undefined;
  #lastDraw = 0;
  #drawn = false;

  constructor(enabled: boolean) {
    this.#enabled = enabled;
  }

  /** Reports progress; redraws at most every 100 ms. */
  update(done: number, total: number | undefined): void {
    // A resumed transfer starts at its offset: the rate counts new bytes.
    this.#startedAt ??= done;
    if (!this.#enabled) return;
    const now = performance.now();
    if (now - this.#lastDraw < REDRAW_MS && done !== total) return;
    this.#lastDraw = now;
    this.#draw(
      formatProgressLine(done, total, now - this.#started, this.#startedAt),
    );
  }

  /** Clears the bar's line, if one was drawn. */
  finish(): void {
    if (this.#drawn) Deno.stdout.writeSync(encoder.encode("\r\x1b[2K"));
    this.#drawn = false;
  }

  #draw(line: string): void {
    Deno.stdout.writeSync(encoder.encode(`\r\x1b[2K${line}`));
    this.#drawn = true;
  }
}
