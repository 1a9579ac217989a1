// Copyright 2026 the framewire authors. MIT license.
// Runs a cli/ program on a real terminal: a pseudo-terminal from script(1)
// (util-linux), so that stdin, stdout and stderr are TTYs as for a user.
// Tests that need it are skipped where script(1) is missing.

/** A program running on a pseudo-terminal. */
export interface Terminal {
  /** Everything it printed so far. */
  readonly screen: string;
  /** Types `text` (raw bytes: "\r" is Enter, "\x03" Ctrl-C). */
  keys(text: string): Promise<void>;
  /** Waits (at most 10 s) until the screen shows `pattern`. */
  waitFor(pattern: string | RegExp): Promise<void>;
  /** Ends the input and waits for the exit (killed after 30 s); the code. */
  exit(): Promise<number>;
}

export const hasScript: boolean = (() => {
  try {
    return Deno.statSync("/usr/bin/script").isFile;
  } catch {
    return false;
  }
})();

/**
 * A cli/ script in a pseudo-terminal: what it printed (stdout and stderr,
 * as a terminal shows them), and keys to type.
 */
export function onTerminal(name: string, args: string[]): Terminal {
  const path = new URL(`../../cli/${name}`, import.meta.url).pathname;
  const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;
  const command = [Deno.execPath(), "run", "-A", path, ...args].map(quote)
    .join(" ");
  const child = new Deno.Command("/usr/bin/script", {
    args: ["-qec", command, "/dev/null"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { TERM: "dumb" },
  }).spawn();
  const writer = child.stdin.getWriter();
  let screen = "";
  const waiting: { pattern: string | RegExp; resolve: () => void }[] = [];
  const shows = (pattern: string | RegExp) =>
    typeof pattern === "string"
      ? screen.includes(pattern)
      : pattern.test(screen);
  const reading = (async () => {
    for await (
      const text of child.stdout.pipeThrough(new TextDecoderStream())
    ) {
      screen += text;
      for (const wait of [...waiting]) {
        if (shows(wait.pattern)) {
          waiting.splice(waiting.indexOf(wait), 1);
          wait.resolve();
        }
      }
    }
  })();
  const stderr = new Response(child.stderr).text();
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  return {
    get screen() {
      return screen;
    },
    keys: (text: string) => writer.write(new TextEncoder().encode(text)),
    /** Waits (at most 10 s) until the screen shows `pattern`. */
    waitFor(pattern: string | RegExp): Promise<void> {
      if (shows(pattern)) return Promise.resolve();
      const { promise, resolve, reject } = Promise.withResolvers<void>();
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `no ${String(pattern)} in ${JSON.stringify(screen)}`,
            ),
          ),
        10_000,
      );
      waiting.push({
        pattern,
        resolve: () => (clearTimeout(timer), resolve()),
      });
      return promise;
    },
    async exit(): Promise<number> {
      await writer.close().catch(() => {});
      const status = await child.status;
      clearTimeout(killer);
      await reading;
      await stderr;
      return status.code;
    },
  };
}
