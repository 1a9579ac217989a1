// Copyright 2026 the framewire authors. MIT license.
// Where and how a chat client connects, resolved once at its front door:
// the servers to try, the reconnect policy, and the bounds on every wait
// (connect, login, each command). `_reconnect.ts` acts on the result.
import type { ConnectOptions } from "../transport/connect.ts";
import { numberOption, optionsObject } from "../internal/options.ts";
import type {
  ChatAddressesOptions,
  ChatReconnectOptions,
  ChatTimeoutOptions,
} from "./chat_reconnect.ts";
import { parseHostPort } from "../internal/host_port.ts";
import { type DialOptions, isWebSocketTarget } from "./_dial.ts";

/** The defaults of {@linkcode ChatReconnectOptions}. */
export const RECONNECT_DEFAULTS = {
  initialDelayMs: 100,
  maxDelayMs: 5000,
  maxReconnectMs: 60_000,
  connectTimeoutMs: 5000,
  loginTimeoutMs: 10_000,
} as const;

/** The defaults of {@linkcode ChatTimeoutOptions}. */
export const CLIENT_TIMEOUT_DEFAULTS = {
  connectTimeoutMs: RECONNECT_DEFAULTS.connectTimeoutMs,
  loginTimeoutMs: RECONNECT_DEFAULTS.loginTimeoutMs,
  requestTimeoutMs: 30_000,
} as const;

/** The client's wait bounds, every value given and checked. */
export type ClientTimeouts = {
  readonly [K in keyof typeof CLIENT_TIMEOUT_DEFAULTS]: number;
};

/** A reconnect policy with every value given and checked. */
export type ReconnectPolicy = {
  readonly [K in keyof typeof RECONNECT_DEFAULTS]: number;
};

/** One server to try, and its name in events and errors. */
export interface Target {
  readonly address: string;
  readonly options: DialOptions;
}

/** Where and how a client connects, resolved at its front door. */
export interface Failover {
  readonly targets: Target[];
  /** `undefined`: one server, no reconnect (the plain connection). */
  readonly policy: ReconnectPolicy | undefined;
  /** Reconnect after a lost connection (else: fail over on the first connect only). */
  readonly reconnect: boolean;
  /** Keep trying on the first connect too (the `retry` option). */
  readonly retryFirst: boolean;
  /** Bounds on connect, login and each command. */
  readonly timeouts: ClientTimeouts;
}

/**
 * Reads `addresses` / one server and the `reconnect` option.
 *
 * @throws {TypeError} For an address that is not `HOST:PORT`, an empty
 * list, or a bad option type.
 * @throws {RangeError} For an option out of range.
 */
export function resolveFailover(
  options: (DialOptions | ChatAddressesOptions) & ChatTimeoutOptions,
  reconnect: boolean | ChatReconnectOptions | undefined,
): Failover {
  const timeouts = {} as Record<keyof ClientTimeouts, number>;
  for (
    const key of Object.keys(
      CLIENT_TIMEOUT_DEFAULTS,
    ) as (keyof ClientTimeouts)[]
  ) {
    timeouts[key] = numberOption(
      key,
      options[key],
      CLIENT_TIMEOUT_DEFAULTS[key],
      { fractional: true, infinite: true },
    );
  }
  let targets: Target[];
  const { addresses } = options as { addresses?: readonly string[] };
  if (addresses !== undefined) {
    if (!Array.isArray(addresses) || addresses.length === 0) {
      throw new TypeError(
        "Cannot use addresses: expected a non-empty array of HOST:PORT strings",
      );
    }
    const {
      addresses: _,
      retry: __,
      connectTimeoutMs: _c,
      loginTimeoutMs: _l,
      requestTimeoutMs: _r,
      ...rest
    } = options as ChatAddressesOptions & ChatTimeoutOptions;
    targets = addresses.map((address) => ({
      address,
      options: { ...rest, ...parseAddress(address) } as ConnectOptions,
    }));
  } else {
    const single = options as DialOptions;
    targets = [{
      address: isWebSocketTarget(single)
        ? String(single.url)
        : single.path ?? `${single.hostname ?? "127.0.0.1"}:${single.port}`,
      options: single,
    }];
  }
  const enabled = reconnect === undefined
    ? addresses !== undefined
    : reconnect !== false;
  const { retry } = options as { retry?: unknown };
  const retryFirst = retry !== undefined && retry !== false;
  if (!enabled && targets.length === 1) {
    return {
      targets,
      policy: undefined,
      reconnect: false,
      retryFirst,
      timeouts,
    };
  }
  const given = optionsObject(
    typeof reconnect === "object" ? reconnect : {},
    "Cannot use reconnect",
  );
  const policy = {} as Record<keyof ReconnectPolicy, number>;
  for (
    const key of Object.keys(RECONNECT_DEFAULTS) as (keyof ReconnectPolicy)[]
  ) {
    // The client's own connect and login bounds are the policy's defaults.
    const fallback = key === "connectTimeoutMs" || key === "loginTimeoutMs"
      ? timeouts[key]
      : RECONNECT_DEFAULTS[key];
    policy[key] = numberOption(key, given[key], fallback, {
      fractional: true,
      infinite: key === "maxReconnectMs" || fallback === Infinity,
    });
  }
  return { targets, policy, reconnect: enabled, retryFirst, timeouts };
}

/** `"host:port"` or `"[v6]:port"` to `{hostname, port}`. */
function parseAddress(address: string): { hostname: string; port: number } {
  const parts = typeof address === "string"
    ? parseHostPort(address)
    : undefined;
  if (parts === undefined) {
    throw new TypeError(
      `Cannot use address ${JSON.stringify(address)}: expected HOST:PORT`,
    );
  }
  return parts;
}
