// Copyright 2026 the framewire authors. MIT license.
// Logins by resume token (PROTOCOL 15.2): given on `remember`, good for one
// login, refused when spent, expired, another user's or turned off.
import assert from "node:assert/strict";
import {
  ChatAdminClient,
  ChatClient,
  type ChatClientOptions,
  ChatError,
} from "../../chat/mod.ts";
import {
  type ChatHarness,
  decode,
  exchange,
  PASSWORD,
  rawConnection,
  withChat,
} from "./_chat_utils.ts";

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

function connect(
  harness: ChatHarness,
  user: string,
  login: Partial<ChatClientOptions>,
): Promise<ChatClient> {
  return ChatClient.connect(
    { port: harness.port, user, ...login } as ChatClientOptions,
  );
}

/** A remembered login's token, the client closed. */
async function rememberedToken(
  harness: ChatHarness,
  user: string,
): Promise<string> {
  await using client = await connect(harness, user, {
    password: PASSWORD,
    remember: true,
  });
  assert.match(client.resume ?? "", TOKEN);
  assert.equal(client.welcome.resume, client.resume);
  return client.resume!;
}

async function refused(
  harness: ChatHarness,
  user: string,
  login: Partial<ChatClientOptions>,
): Promise<string> {
  const error = await connect(harness, user, login).then(
    (client) => {
      void client.close();
      throw new Error(`${user} logged in`);
    },
    (error) => error,
  );
  assert.ok(error instanceof ChatError, String(error));
  return error.code;
}

Deno.test("a remembered login's token logs in once, and each login by token gets the next one", async () => {
  await withChat(async (harness) => {
    const first = await rememberedToken(harness, "alice");
    let second: string;
    {
      await using alice = await connect(harness, "alice", { resume: first });
      assert.equal(alice.welcome.registered, false);
      second = alice.resume!;
      assert.match(second, TOKEN);
      assert.notEqual(second, first);
      assert.deepEqual(await alice.who(), ["alice"]);
    }
    assert.equal(
      await refused(harness, "alice", { resume: first }),
      "AUTH_FAILED",
    );
    await using again = await connect(harness, "alice", { resume: second });
    assert.notEqual(again.resume, second);
  });
});

Deno.test("a login gets no token unless it asks, and a token logs in only its own user", async () => {
  await withChat(async (harness) => {
    {
      await using plain = await harness.login("alice");
      assert.equal(plain.resume, undefined);
      assert.equal("resume" in plain.welcome, false);
    }
    const token = await rememberedToken(harness, "alice");
    await harness.login("bob").then((bob) => bob.close());
    assert.equal(
      await refused(harness, "bob", { resume: token }),
      "AUTH_FAILED",
    );
    // Nor does it register a name.
    assert.equal(
      await refused(harness, "carol", { resume: token }),
      "AUTH_FAILED",
    );
    {
      await using carol = await harness.login("carol");
      assert.equal(carol.welcome.registered, true);
    }
    // Tried on the wrong names, it still works for alice.
    await using alice = await connect(harness, "alice", { resume: token });
    assert.equal(alice.user, "alice");
  });
});

Deno.test("an expired token is refused, and a failed one counts against the name like a wrong password", async () => {
  let now = 1_000_000;
  await withChat(async (harness) => {
    const token = await rememberedToken(harness, "alice");
    now += 60_000;
    assert.equal(
      await refused(harness, "alice", { resume: token }),
      "AUTH_FAILED",
    );
    // The second failure locks the name: the right password waits too.
    assert.equal(
      await refused(harness, "alice", { resume: "x".repeat(43) }),
      "AUTH_FAILED",
    );
    assert.equal(
      await refused(harness, "alice", { password: PASSWORD }),
      "LOGIN_THROTTLED",
    );
  }, {
    clock: () => now,
    resumeTokenTtlMs: 60_000,
    loginThrottleFailures: 2,
  });
});

Deno.test("with resumeTokenTtlMs 0 no token is given and none logs in", async () => {
  await withChat(async (harness) => {
    {
      await using alice = await connect(harness, "alice", {
        password: PASSWORD,
        remember: true,
      });
      assert.equal(alice.resume, undefined);
    }
    // A token the store holds (from before tokens were turned off).
    const token = "t".repeat(43);
    const digest = new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)),
    );
    const now = Date.now();
    await harness.chat.store.addResumeToken(
      "alice",
      digest,
      now + 60_000,
      now,
      8,
    );
    assert.equal(
      await refused(harness, "alice", { resume: token }),
      "AUTH_FAILED",
    );
    assert.equal(
      await harness.chat.store.takeResumeToken("alice", digest, now),
      true,
      "the refused login left the token alone",
    );
  }, { resumeTokenTtlMs: 0 });
});

Deno.test("a resume token is never logged", async () => {
  await withChat(async (harness) => {
    const first = await rememberedToken(harness, "alice");
    let second: string;
    {
      await using alice = await connect(harness, "alice", { resume: first });
      second = alice.resume!;
    }
    await refused(harness, "alice", { resume: first });
    const logged = JSON.stringify(harness.log);
    assert.ok(logged.includes("(resume token)"), "the login is logged");
    assert.equal(logged.includes(first), false);
    assert.equal(logged.includes(second), false);
  });
});

Deno.test("logout makes the server forget the token its session was handed, and only that one", async () => {
  await withChat(async (harness) => {
    const kept = await rememberedToken(harness, "alice");
    const alice = await connect(harness, "alice", {
      password: PASSWORD,
      remember: true,
    });
    const handed = alice.resume!;
    await alice.logout();
    assert.equal(alice.closed, true);
    assert.equal(
      await refused(harness, "alice", { resume: handed }),
      "AUTH_FAILED",
    );
    // The token of another login (another browser) still works.
    await using again = await connect(harness, "alice", { resume: kept });
    assert.equal(again.user, "alice");
    // Without a token, logout only closes.
    const bob = await harness.login("bob");
    await bob.logout();
    assert.equal(bob.closed, true);
  });
});

Deno.test("the operator revokes a user's tokens, over an admin connection or on the server's console; a user may not", async () => {
  await withChat(async (harness) => {
    const first = await rememberedToken(harness, "alice");
    const second = await rememberedToken(harness, "alice");
    const kept = await rememberedToken(harness, "bob");
    await using admin = await ChatAdminClient.connect({
      port: harness.port,
      token: "t0ken",
    });
    assert.equal(await admin.revoke("alice"), 2);
    for (const token of [first, second]) {
      assert.equal(
        await refused(harness, "alice", { resume: token }),
        "AUTH_FAILED",
      );
    }
    await assert.rejects(admin.revoke("nobody"), { code: "UNKNOWN_USER" });
    // The local console does the same; bob's token was nobody's business.
    const console = harness.chat.admin();
    assert.equal(await console.revoke("alice"), 0);
    await assert.rejects(console.revoke("Bob!"), { code: "INVALID_NAME" });
    {
      await using bob = await connect(harness, "bob", { resume: kept });
      assert.equal(bob.user, "bob");
    }
    assert.ok(
      harness.log.some((event) => event.event === "chat_revoked"),
    );
    // A user's connection may not.
    using raw = await rawConnection(harness);
    const login = JSON.stringify({
      type: "chat",
      user: "bob",
      password: PASSWORD,
    });
    assert.equal(decode(await exchange(raw, 3, login)).op, "welcome");
    assert.equal(
      decode(
        await exchange(
          raw,
          0,
          JSON.stringify({ op: "admin_revoke", id: "r", user: "bob" }),
        ),
      ).error,
      "FORBIDDEN",
    );
  }, { adminToken: "t0ken" });
});
