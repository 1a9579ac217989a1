// Copyright 2026 the framewire authors. MIT license.
// The page's reconnect loop, with scripted sessions instead of a server.
import assert from "node:assert/strict";
import {
  type Backoff,
  backoffDelay,
  Link,
  type LinkState,
} from "../../../../web/app/src/_link.ts";
import type {
  ChatSession,
  SessionEvent,
} from "../../../../web/app/src/_session.ts";

const FAST: Backoff = { initialMs: 1, maxMs: 4, attemptTimeoutMs: 1000 };
const CREDENTIALS = { user: "alice", password: "password1" };

/** A session whose events the test pushes, and which the test can end. */
class FakeSession {
  closed = false;
  closes = 0;
  #events: (SessionEvent | undefined)[] = [];
  #wake: (() => void) | undefined;
  readonly welcome: {
    user: string;
    registered: boolean;
    admin: boolean;
    unread: Record<string, number>;
    resume?: string;
  };
  constructor(resume?: string) {
    this.welcome = {
      user: "alice",
      registered: false,
      admin: false,
      unread: {},
      ...(resume === undefined ? {} : { resume }),
    };
  }
  push(event: SessionEvent | undefined) {
    this.#events.push(event);
    this.#wake?.();
  }
  /** The connection ends. */
  end() {
    this.closed = true;
    this.push(undefined);
  }
  async nextEvent(): Promise<SessionEvent | undefined> {
    while (this.#events.length === 0) {
      await new Promise<void>((resolve) => this.#wake = resolve);
    }
    return this.#events.shift();
  }
  logouts = 0;
  logout(): Promise<void> {
    this.logouts++;
    return this.close();
  }
  close(): Promise<void> {
    this.closes++;
    if (!this.closed) this.end();
    return Promise.resolve();
  }
}

function coded(code: string): Error {
  return Object.assign(new Error(code), { code });
}

/** Waits until `check()` holds; fails after a bound that only hangs reach. */
async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition never held");
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** A factory that hands out `results` in order (an Error is thrown). */
function script(results: (FakeSession | Error)[]) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    factory: () => {
      const next = results[calls++];
      if (next === undefined) return Promise.reject(new Error("no more"));
      return next instanceof Error
        ? Promise.reject(next)
        : Promise.resolve(next as unknown as ChatSession);
    },
  };
}

/**
 * A factory that hands out a session per welcome token, in order, and
 * records the credentials of each login.
 */
function recording(...tokens: (string | Error)[]) {
  const sessions = tokens.map((token) =>
    typeof token === "string" ? new FakeSession(token) : token
  );
  const sent: unknown[] = [];
  const factory = (credentials: unknown) => {
    sent.push(credentials);
    const next = sessions[sent.length - 1];
    if (next === undefined) return Promise.reject(new Error("no more"));
    return next instanceof Error
      ? Promise.reject(next)
      : Promise.resolve(next as unknown as ChatSession);
  };
  return { sessions, sent, factory };
}

Deno.test("web/app/src/_link.ts: backoff doubles from initialMs, is capped at maxMs, and keeps at least half of it", () => {
  const backoff: Backoff = { initialMs: 100, maxMs: 1000, attemptTimeoutMs: 1 };
  for (let i = 0; i < 50; i++) {
    for (const [attempt, full] of [[1, 100], [2, 200], [4, 800], [5, 1000]]) {
      const delay = backoffDelay(attempt, backoff);
      assert.ok(delay >= full / 2 && delay <= full, `${attempt}: ${delay}`);
    }
    assert.ok(backoffDelay(30, backoff) <= 1000);
  }
});

Deno.test("web/app/src/_link.ts: a link logged in by token logs in again with the newest one, and hands each to the app", async () => {
  const { sessions, sent, factory } = recording("t2", "t3");
  const kept: string[] = [];
  const link = await Link.login(factory, { user: "alice", resume: "t1" }, {
    state: () => {},
    event: () => {},
    ready: () => Promise.resolve(),
    token: (user, token) => kept.push(`${user}:${token}`),
  }, FAST);
  assert.deepEqual(link.credentials, { user: "alice", resume: "t2" });
  (sessions[0] as FakeSession).end();
  await until(() => kept.length === 2);
  assert.deepEqual(sent, [
    { user: "alice", resume: "t1" },
    { user: "alice", resume: "t2" },
  ]);
  assert.deepEqual(kept, ["alice:t2", "alice:t3"]);
  assert.deepEqual(link.credentials, { user: "alice", resume: "t3" });
  await link.logout();
});

Deno.test("web/app/src/_link.ts: a link logged in by password logs in again with its token, and with the password if the token is refused", async () => {
  const { sessions, sent, factory } = recording(
    "t1",
    coded("AUTH_FAILED"),
    "t2",
  );
  const kept: string[] = [];
  const states: string[] = [];
  const link = await Link.login(factory, CREDENTIALS, {
    state: (state) => states.push(state.kind),
    event: () => {},
    ready: () => Promise.resolve(),
    token: (_user, token) => kept.push(token),
  }, FAST);
  (sessions[0] as FakeSession).end();
  await until(() => kept.length === 2);
  assert.deepEqual(sent, [
    CREDENTIALS,
    { user: "alice", resume: "t1" },
    CREDENTIALS,
  ]);
  assert.deepEqual(kept, ["t1", "t2"]);
  assert.deepEqual(link.credentials, { user: "alice", resume: "t2" });
  assert.equal(states.includes("refused"), false);
  await link.logout();
  assert.equal((sessions[2] as FakeSession).logouts, 1);
});

Deno.test("web/app/src/_link.ts: a lost session is replaced by a new login, through refused attempts, and the app is told each step", async () => {
  const first = new FakeSession();
  const second = new FakeSession();
  const { factory } = script([
    first,
    new Error("connection refused"),
    coded("LOGIN_BUSY"),
    second,
  ]);
  const states: LinkState[] = [];
  const ready: [FakeSession, boolean][] = [];
  const events: SessionEvent[] = [];
  const link = await Link.login(factory, CREDENTIALS, {
    state: (state) => states.push(state),
    event: (event) => events.push(event),
    ready: (session, isFirst) => {
      ready.push([session as unknown as FakeSession, isFirst]);
      return Promise.resolve();
    },
  }, FAST);
  first.push({ type: "unread", chat: "@bob", count: 1 });
  first.end();
  await until(() => ready.length === 2);
  assert.equal(ready[0][0], first);
  assert.equal(ready[0][1], true);
  assert.equal(ready[1][0], second);
  assert.equal(ready[1][1], false);
  assert.equal(link.session, second as unknown as ChatSession);
  assert.deepEqual(events, [{ type: "unread", chat: "@bob", count: 1 }]);
  assert.deepEqual(
    states.map((state) =>
      state.kind === "reconnecting"
        ? `reconnecting ${state.attempt}: ${state.reason}`
        : state.kind
    ),
    [
      "online",
      "reconnecting 1: connection lost",
      "reconnecting 2: connection refused",
      "reconnecting 3: LOGIN_BUSY",
      "online",
    ],
  );
  await link.logout();
  assert.equal(second.closes, 1);
  assert.equal(states.at(-1)?.kind, "ended");
});

// Another login of the user (replaced: the page offers "Use here"), or the
// operator (refused: the form): reconnecting would undo what happened.
for (
  const [code, kind] of [
    ["SESSION_REPLACED", "replaced"],
    ["SESSION_REVOKED", "refused"],
  ] as const
) {
  Deno.test(`web/app/src/_link.ts: ${code} ends the link (${kind}, with the server's words) without a new login`, async () => {
    const first = new FakeSession();
    const tracked = script([first, new FakeSession()]);
    const states: LinkState[] = [];
    const link = await Link.login(tracked.factory, CREDENTIALS, {
      state: (state) => states.push(state),
      event: () => {},
      ready: () => Promise.resolve(),
    }, FAST);
    first.push({ type: "error", error: coded(code) });
    first.end();
    await until(() => states.at(-1)?.kind === kind);
    // Give a reconnect every chance to (wrongly) start.
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(tracked.calls, 1);
    assert.deepEqual(states.at(-1), { kind, message: code });
    assert.equal(link.session, undefined);
    assert.equal(first.closes, 1);
  });
}

Deno.test("web/app/src/_link.ts: a refused password on a reconnect stops it (refused), a busy server does not", async () => {
  const first = new FakeSession();
  const tracked = script([first, coded("LOGIN_BUSY"), coded("AUTH_FAILED")]);
  const states: LinkState[] = [];
  await Link.login(tracked.factory, CREDENTIALS, {
    state: (state) => states.push(state),
    event: () => {},
    ready: () => Promise.resolve(),
  }, FAST);
  first.end();
  await until(() => states.at(-1)?.kind === "refused");
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(tracked.calls, 3);
});

Deno.test("web/app/src/_link.ts: the first login's refusal is thrown to the login form", async () => {
  const { factory } = script([coded("AUTH_FAILED")]);
  await assert.rejects(
    Link.login(factory, CREDENTIALS, {
      state: () => {},
      event: () => {},
      ready: () => Promise.resolve(),
    }, FAST),
    (error: Error & { code?: string }) => error.code === "AUTH_FAILED",
  );
});

Deno.test("web/app/src/_link.ts: logout during the backoff wait stops at once, with no new login", async () => {
  const first = new FakeSession();
  const tracked = script([first, new FakeSession()]);
  const states: LinkState[] = [];
  const link = await Link.login(tracked.factory, CREDENTIALS, {
    state: (state) => states.push(state),
    event: () => {},
    ready: () => Promise.resolve(),
  }, { initialMs: 60_000, maxMs: 60_000, attemptTimeoutMs: 1000 });
  first.end();
  await until(() => states.at(-1)?.kind === "reconnecting");
  await link.logout();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(tracked.calls, 1);
  assert.equal(states.at(-1)?.kind, "ended");
});
