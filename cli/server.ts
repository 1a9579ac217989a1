// Copyright 2026 the framewire authors. MIT license.
/**
 * The framewire server: answers Ping with Pong and echoes every other frame.
 *
 * ```sh
 * deno run -A cli/server.ts --port 9000
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { FrameType, listen } from "../mod.ts";
import denoJson from "../deno.json" with { type: "json" };

const HELP = `Usage: deno run -A cli/server.ts [options]

Starts a framewire server: Ping frames get a Pong with the same payload,
every other frame is echoed back.

Options:
  --host HOST   address to bind (default 127.0.0.1)
  --port PORT   TCP port, 0 picks a free one (default 9000)
  -h, --help    show this help
  -V, --version show the version
`;

/**
 * Runs the server until SIGINT/SIGTERM or `signal` aborts.
 *
 * @param args Command-line arguments.
 * @param signal Stops the server when aborted (used by tests).
 * @returns The exit code.
 */
export async function main(
  args: string[],
  signal?: AbortSignal,
): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        host: { type: "string", default: "127.0.0.1" },
        port: { type: "string", default: "9000" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "V" },
      },
    }));
  } catch (error) {
    console.error(`server: ${(error as Error).message}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.version) {
    console.log(`framewire ${denoJson.version}`);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`server: invalid --port ${values.port}`);
    return 2;
  }
  let listener;
  try {
    listener = listen({ hostname: values.host, port });
  } catch (error) {
    console.error(
      `server: cannot listen on ${values.host}:${port}: ${
        (error as Error).message
      }`,
    );
    return 1;
  }
  console.log(`listening on ${listener.addr.hostname}:${listener.addr.port}`);
  const stop = () => listener.close();
  signal?.addEventListener("abort", stop, { once: true });
  const onSignal = () => stop();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  const clients = new Set<Promise<void>>();
  try {
    for await (const conn of listener) {
      const done = (async () => {
        using client = conn;
        try {
          for await (const frame of client) {
            const type = frame.type === FrameType.Ping
              ? FrameType.Pong
              : frame.type;
            await client.send({ type, payload: frame.payload });
          }
        } catch (error) {
          const addr = client.conn.remoteAddr;
          console.error(
            `client ${addr.hostname}:${addr.port}: ${(error as Error).message}`,
          );
        }
      })();
      clients.add(done);
      done.finally(() => clients.delete(done));
    }
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    signal?.removeEventListener("abort", stop);
  }
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
