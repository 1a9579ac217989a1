// Copyright 2026 the framewire authors. MIT license.
// Browser tests: a real headless Chromium (Debian's `chromium`, which
// .ci/run installs) driven by playwright-core, against a real
// cli/server.ts subprocess on loopback ports. Without Chromium the tests
// are ignored under a name that says so, unless FRAMEWIRE_REQUIRE_SERVICES=1
// (CI), where they fail instead.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { spawnInteractive } from "../cli/_chat_spawn.ts";
import { FAST_HASH, type Interactive } from "../cli/_chat_spawn.ts";

/** Where Chromium is: $FRAMEWIRE_CHROMIUM or Debian's /usr/bin/chromium. */
export const CHROMIUM = Deno.env.get("FRAMEWIRE_CHROMIUM") ??
  "/usr/bin/chromium";
const required = Deno.env.get("FRAMEWIRE_REQUIRE_SERVICES") === "1";

function haveChromium(): boolean {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
}

/** Bounds of one browser test; only hangs reach them. */
export const WAIT_MS = 15_000;

/** Where screenshots go (gitignored): $FRAMEWIRE_ARTIFACTS or .artifacts/web. */
export const ARTIFACTS = Deno.env.get("FRAMEWIRE_ARTIFACTS") ??
  new URL("../../.artifacts/web/", import.meta.url).pathname;

/** What a browser test gets. */
export interface BrowserRun {
  readonly browser: Browser;
  /** A new, separate browser profile (its own storage), closed at the end. */
  context(options?: { phone?: boolean }): Promise<BrowserContext>;
  /** A new page in a new context, watched for script errors and CSP reports. */
  page(options?: { phone?: boolean }): Promise<Page>;
  /** Script errors and CSP violations seen on any page so far. */
  readonly problems: readonly string[];
  /** Saves a screenshot of `page` as ARTIFACTS/`name`.png. */
  screenshot(page: Page, name: string): Promise<void>;
}

/**
 * Declares a browser test: ignored (with the reason in its name) when
 * Chromium is missing and not required. The browser is closed in `finally`.
 */
export function browserTest(
  name: string,
  fn: (run: BrowserRun) => Promise<void>,
): void {
  if (!haveChromium() && !required) {
    Deno.test({
      name: `${name} (ignored: no Chromium at ${CHROMIUM})`,
      ignore: true,
      fn() {},
    });
    return;
  }
  Deno.test(name, async () => {
    if (!haveChromium()) {
      throw new Error(
        `FRAMEWIRE_REQUIRE_SERVICES=1 but no Chromium at ${CHROMIUM}`,
      );
    }
    // Loaded here only: the rest of the suite never downloads it.
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      // Root in a container cannot use Chromium's sandbox.
      args: ["--no-sandbox", "--disable-dev-shm-usage"],
      timeout: WAIT_MS,
    });
    const problems: string[] = [];
    const contexts: BrowserContext[] = [];
    const context = async (options: { phone?: boolean } = {}) => {
      const made = await browser.newContext(
        options.phone
          ? {
            viewport: { width: 390, height: 780 },
            isMobile: true,
            hasTouch: true,
          }
          : { viewport: { width: 1100, height: 700 } },
      );
      made.setDefaultTimeout(WAIT_MS);
      contexts.push(made);
      return made;
    };
    try {
      await fn({
        browser,
        context,
        async page(options) {
          const page = await (await context(options)).newPage();
          page.on("pageerror", (error) => problems.push(`pageerror: ${error}`));
          page.on("console", (message) => {
            const text = message.text();
            if (/Content.Security.Policy|Refused to/i.test(text)) {
              problems.push(`csp: ${text}`);
            }
          });
          return page;
        },
        problems,
        async screenshot(page, name) {
          await Deno.mkdir(ARTIFACTS, { recursive: true });
          await page.screenshot({ path: `${ARTIFACTS}${name}.png` });
        },
      });
    } finally {
      for (const made of contexts) await made.close().catch(() => {});
      await browser.close();
    }
  });
}

/** A cli/server.ts with chat and the HTTP port, restartable on its ports. */
export interface WebServer extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** The TCP port (for cli/client.ts). */
  readonly port: number;
  /** Kills it with SIGKILL (no clean shutdown) and waits for the exit. */
  crash(): Promise<void>;
  /** Starts it again on the same ports and database. */
  restart(): Promise<void>;
}

/** Starts cli/server.ts on free ports with `--db dbPath` and `--http-port`. */
export async function startWebServer(dbPath: string): Promise<WebServer> {
  let child: Interactive | undefined;
  let port = 0;
  let httpPort = 0;
  const start = async () => {
    const spawned = spawnInteractive("server.ts", [
      "--port",
      String(port),
      "--http-port",
      String(httpPort),
      "--db",
      dbPath,
      ...FAST_HASH,
    ]);
    child = spawned;
    try {
      const tcp = await spawned.waitFor(/^listening tcp:\/\//);
      const http = await spawned.waitFor(/^listening http:\/\//);
      port = Number(/:(\d+)$/.exec(tcp)![1]);
      httpPort = Number(/:(\d+)$/.exec(http)![1]);
    } catch (error) {
      await spawned[Symbol.asyncDispose]();
      throw error;
    }
  };
  await start();
  return {
    get url() {
      return `http://127.0.0.1:${httpPort}`;
    },
    get port() {
      return port;
    },
    async crash() {
      child?.kill("SIGKILL");
      await child?.exit();
    },
    restart: start,
    async [Symbol.asyncDispose]() {
      await child?.[Symbol.asyncDispose]();
    },
  };
}
