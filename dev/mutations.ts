// Copyright 2026 the framewire authors. MIT license.
/**
 * The mutations `deno task mutate` (dev/mutate.ts) applies: one per critical
 * invariant, each a bug a user would be hurt by, and the test files that
 * must catch it.
 *
 * Adding one, when a new invariant appears:
 * 1. Copy the exact lines of the source that hold the invariant into
 *    `search` (enough of them to be unique in the file; keep indentation)
 *    and write the broken version in `replace`. Several patches may go
 *    together (moving a check = remove it here, add it there).
 * 2. List the test files that should catch it in `tests`, and narrow them
 *    with `filter` (a `deno test --filter` string or `/regex/`) to keep the
 *    run short.
 * 3. Run `deno task mutate <a word of its name>`: it must say `killed`. If
 *    it says `SURVIVED`, write the missing test first.
 *
 * A mutation reported `STALE` means its source was edited: update `search`
 * (and check that the new code still holds the invariant).
 *
 * @module
 */

/** One search/replace edit of a source file. */
export interface Patch {
  /** Path from the repository root. */
  readonly file: string;
  /** Exact text, found exactly once in the file. */
  readonly search: string;
  /** What it becomes. */
  readonly replace: string;
}

/** A bug planted on purpose, and where the tests that catch it live. */
export interface Mutation {
  /** The invariant it breaks, in a few words (`deno task mutate WORD` matches it). */
  readonly name: string;
  readonly patches: readonly Patch[];
  /** Test files, from the repository root. */
  readonly tests: readonly string[];
  /** `deno test --filter` for them. */
  readonly filter?: string;
}

const SIZE_CHECK = `      if (length > options.maxFrameLength) {
        throw new FrameTooLargeError(length, options.maxFrameLength, "receive");
      }
`;

export const MUTATIONS: readonly Mutation[] = [
  {
    name: "decoder: size check after the takeBuffer call",
    patches: [
      { file: "codec/frame_decoder.ts", search: SIZE_CHECK, replace: "" },
      {
        file: "codec/frame_decoder.ts",
        search: `      if (reused !== undefined && reused.length !== length) {`,
        replace:
          `${SIZE_CHECK}      if (reused !== undefined && reused.length !== length) {`,
      },
    ],
    tests: ["tests/codec/frame_decoder_test.ts"],
    filter: "/takeBuffer|oversized|maxFrameLength/",
  },
  {
    name: "decoder: no size check",
    patches: [
      { file: "codec/frame_decoder.ts", search: SIZE_CHECK, replace: "" },
    ],
    tests: ["tests/codec/frame_decoder_test.ts"],
    // Only the refusals: without the check, the large-frame tests would
    // assemble gigabytes before failing.
    filter: "/0xFFFFFFFF|oversized/",
  },
  {
    name: "release: a released payload stays live (pooled twice)",
    patches: [{
      file: "transport/_frame_reader.ts",
      search: `    this.#live.delete(payload);
`,
      replace: ``,
    }],
    tests: ["tests/transport/framed_conn_test.ts"],
    filter: "release",
  },
  {
    name: "unread repair: late events of counted messages counted again",
    patches: [{
      file: "chat/_unread_repair.ts",
      search: `      if (lastSeq > (session.countedUpTo.get(chat.id) ?? 0)) {
        session.countedUpTo.set(chat.id, lastSeq);
      }
`,
      replace: ``,
    }],
    tests: ["tests/chat/gap_repair_test.ts"],
    filter: "unread",
  },
  {
    name: "throttle: a node keeps its login failures to itself",
    patches: [{
      file: "chat/_auth.ts",
      search: `    this.#throttle.fail(user);
    this.#tell(user, true);`,
      replace: `    this.#throttle.fail(user);`,
    }],
    tests: ["tests/chat/login_throttle_nodes_test.ts"],
  },
  {
    name: "writeAll: short writes not resumed",
    patches: [{
      file: "transport/write_all.ts",
      search: `    written += count;`,
      replace: `    written = total;`,
    }],
    tests: ["tests/transport/write_all_test.ts"],
  },
  {
    name: "writeAll: zero-byte writes spin instead of failing",
    patches: [{
      file: "transport/write_all.ts",
      search: `    if (count === 0) throw new WriteZeroError(written, total);`,
      replace: `    if (count === 0) continue;`,
    }],
    tests: ["tests/transport/write_all_test.ts"],
  },
  {
    name: "send queue: a second drain loop runs while one is in flight",
    patches: [{
      file: "transport/_send_queue.ts",
      search: `      if (!this.#draining) this.#drain();`,
      replace: `      this.#drain();`,
    }],
    tests: ["tests/transport/framed_conn_test.ts"],
    filter: "interleave",
  },
  {
    name: "send queue: maxQueuedBytes not enforced",
    patches: [{
      file: "transport/_send_queue.ts",
      search: `      this.#queuedBytes + bytes > this.#maxQueuedBytes
    ) {`,
      replace: `      this.#queuedBytes + bytes > Infinity
    ) {`,
    }],
    tests: ["tests/transport/framed_conn_test.ts"],
    filter: "/maxQueuedBytes|SendQueueFull|queue/",
  },
  {
    name: "sqlite store: ack (append resolves) before COMMIT",
    patches: [{
      file: "chat/sqlite_chat_store.ts",
      search: `          );
        }
        this.#db.exec("COMMIT");`,
      replace: `          );
        }
        setTimeout(() => this.#db.exec("COMMIT"), 0);`,
    }],
    tests: ["tests/chat/sqlite_chat_store_test.ts"],
    filter: "crash",
  },
  // --- chat 1→1 throughput (issue 12): multi-row INSERTs ---
  {
    name: "sqlite store: a retry in a multi-row batch stored again (seq gap)",
    patches: [{
      file: "chat/sqlite_chat_store.ts",
      search:
        `      if (Number(statement.run(...params).changes) !== rows) return false;`,
      replace: `      statement.run(...params);`,
    }],
    tests: ["tests/chat/sqlite_chat_store_test.ts"],
    filter: "multi-row",
  },
  {
    name: "client: a frame refused in a turn's batch fails the others too",
    patches: [{
      file: "chat/_chat_connection.ts",
      search: `      const refused = error instanceof RangeError ||
        error instanceof TypeError;`,
      replace: `      const refused = false;`,
    }],
    tests: ["tests/chat/_chat_connection_test.ts"],
    filter: "refuses",
  },
  // --- end chat 1→1 throughput ---
  {
    name: "chat: history answers before the session's own sends are stored",
    patches: [{
      file: "chat/_commands.ts",
      search: `    await context.delivery.sendsStored(session);`,
      replace: ``,
    }],
    tests: ["tests/chat/chat_server_test.ts"],
    filter: "pipelined, unacknowledged",
  },
  {
    name: "sqlite store: synchronous = OFF (no fsync)",
    patches: [{
      file: "chat/sqlite_chat_store.ts",
      search: `        PRAGMA synchronous = \${synchronous};`,
      replace: `        PRAGMA synchronous = OFF;`,
    }],
    tests: ["tests/chat/sqlite_chat_store_test.ts"],
    filter: "synchronous",
  },
  {
    name: "files: a '..' segment accepted",
    patches: [{
      file: "files/_safe_path.ts",
      search:
        `    if (segment === "..") throw forbidden(path, 'it contains a ".." segment');`,
      replace: ``,
    }],
    tests: ["tests/files/_safe_path_test.ts"],
  },
  {
    name: "files: a symlink may lead above the root",
    patches: [{
      file: "files/_safe_path.ts",
      search: `      if (current === root) {
        throw forbidden(request, "a symlink in it leads out of the directory");
      }`,
      replace: ``,
    }],
    tests: ["tests/files/_safe_path_test.ts"],
  },
  {
    name: "auth: a wrong password accepted",
    patches: [{
      file: "chat/_auth.ts",
      search:
        `      if (!registered && !(await verifyPassword(password, stored!))) {`,
      replace:
        `      if (!registered && !(await verifyPassword(password, stored!)) && false) {`,
    }],
    tests: ["tests/chat/chat_server_test.ts"],
    filter: "wrong password",
  },
  {
    name: "auth: constantTimeEqual compares half the bytes",
    patches: [{
      file: "chat/_passwords.ts",
      search: `  for (let i = 0; i < a.length; i++) difference |= a[i] ^ b[i];`,
      replace:
        `  for (let i = 0; i < a.length >> 1; i++) difference |= a[i] ^ b[i];`,
    }],
    tests: ["tests/chat/_passwords_test.ts"],
  },
  {
    name: "auth: a wrong admin token accepted",
    patches: [{
      file: "chat/_auth.ts",
      search: `    if (!constantTimeEqual(expected, offered)) {`,
      replace: `    if (!constantTimeEqual(expected, offered) && false) {`,
    }],
    tests: ["tests/chat/chat_admin_client_test.ts"],
    filter: "/token/",
  },
  {
    name: "throttle: admin token guesses not throttled",
    patches: [{
      file: "chat/_auth.ts",
      search: `    if (this.#throttle.retryAfterMs(ADMIN_NAME) > 0) {`,
      replace: `    if (false) {`,
    }],
    tests: ["tests/chat/chat_admin_client_test.ts"],
    filter: "throttles admin",
  },
  {
    name: "throttle: user logins not throttled before hashing",
    patches: [{
      file: "chat/_auth.ts",
      search: `    if (this.#throttle.retryAfterMs(login.user) > 0) {`,
      replace: `    if (false) {`,
    }],
    tests: ["tests/chat/chat_server_test.ts"],
    filter: "throttles a user name",
  },
  {
    name: "throttle: logins beyond the hash queue not refused (LOGIN_BUSY)",
    patches: [{
      file: "chat/_auth.ts",
      search: `    const slot = this.#hashes.acquire();
    if (slot === undefined) {`,
      replace: `    const slot = this.#hashes.acquire();
    if (slot === undefined && false) {`,
    }],
    tests: ["tests/chat/chat_server_test.ts"],
    filter: "LOGIN_BUSY",
  },
  {
    name: "quota: maxAccounts not enforced",
    // Both checks: the one before the hash, and the one after it.
    patches: [{
      file: "chat/_auth.ts",
      search: `
      if (await this.#store.userCount() >= this.#options.maxAccounts) {`,
      replace: `
      if (false) {`,
    }, {
      file: "chat/_auth.ts",
      search: `ran meanwhile.
        if (await this.#store.userCount() >= this.#options.maxAccounts) {`,
      replace: `ran meanwhile.
        if (false) {`,
    }],
    tests: ["tests/chat/chat_server_test.ts"],
    filter: "maxAccounts",
  },
  {
    name: "liveness: a client with nothing queued closed as SLOW_READER",
    patches: [{
      file: "transport/_liveness.ts",
      search: `    if (sample.queuedBytes === 0) {
      this.#lastSendProgress = undefined;`,
      replace: `    if (false) {
      this.#lastSendProgress = undefined;`,
    }],
    tests: ["tests/transport/server_test.ts"],
    filter: "nothing queued",
  },
  {
    name: "shutdown: shutdownTimeoutMs ignored (10 s instead)",
    patches: [{
      file: "transport/server.ts",
      search: `      ) ?? this.#options.shutdownTimeoutMs,`,
      replace: `      ) ?? 10_000,`,
    }],
    tests: ["tests/transport/server_test.ts"],
    filter: "shutdownTimeoutMs",
  },
  {
    name: "client: an Error frame without an id leaves the login waiting",
    patches: [{
      file: "chat/_chat_connection.ts",
      search:
        `      if (id === undefined && this.#pending.has(LOGIN_ID)) id = LOGIN_ID;`,
      replace: ``,
    }],
    tests: ["tests/chat/chat_client_test.ts"],
    filter: "without an id",
  },
  {
    name: "resume: a login by token leaves the token usable again",
    patches: [{
      file: "chat/_sqlite_chat_schema.ts",
      search:
        `    "DELETE FROM resume_tokens WHERE digest = ? AND user = ? RETURNING expires_at",`,
      replace:
        `    "SELECT expires_at FROM resume_tokens WHERE digest = ? AND user = ?",`,
    }],
    tests: ["tests/chat/resume_token_test.ts"],
    filter: "logs in once",
  },
  {
    name: "resume: logout leaves the session's token usable",
    patches: [{
      file: "chat/_commands.ts",
      search:
        `      await context.store.takeResumeToken(session.user!, digest, 0);`,
      replace: ``,
    }],
    tests: ["tests/chat/resume_token_test.ts"],
    filter: "logout",
  },
  {
    name: "resume: the operator's revoke drops no token",
    patches: [{
      file: "chat/_admin.ts",
      search: `  const tokens = await context.store.dropResumeTokens(user);`,
      replace: `  const tokens = 0;`,
    }],
    tests: ["tests/chat/resume_token_test.ts"],
    filter: "revokes",
  },
  {
    name: "resume: a revoke leaves the user's session open on other nodes",
    patches: [{
      file: "chat/_admin.ts",
      search:
        `  await context.bus.publish({ type: "revoke", user }).catch((error) =>`,
      replace: `  await Promise.resolve().catch((error) =>`,
    }],
    tests: ["tests/chat/_reconnect_test.ts"],
    filter: "revoke on one node",
  },
];
