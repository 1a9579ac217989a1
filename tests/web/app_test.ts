// Copyright 2026 the framewire authors. MIT license.
// The chat page (web/app/) in a real headless Chromium against a real
// cli/server.ts: see tests/web/_browser.ts for how they are run. Screenshots
// of the main screens go to .artifacts/web/.
import assert from "node:assert/strict";
import { spawnInteractive, withTempDir } from "../cli/_chat_spawn.ts";
import type { Page } from "playwright-core";
import {
  type BrowserRun,
  browserTest,
  startWebServer,
  type WebServer,
} from "./_browser.ts";
import {
  clickChat,
  login,
  openChat,
  PASSWORD,
  send,
  shownMessages,
  storedMessage,
  unreadOf,
} from "./_pages.ts";

/** A browser test with a cli/server.ts of its own on a fresh database. */
function webAppTest(
  name: string,
  fn: (run: BrowserRun, server: WebServer) => Promise<void>,
): void {
  browserTest(name, (run) =>
    withTempDir(async (dir) => {
      await using server = await startWebServer(`${dir}/chat.db`);
      await fn(run, server);
    }));
}

/** A page per user, all opened first, then each logged in, in order. */
async function loggedIn(
  run: BrowserRun,
  server: WebServer,
  ...users: string[]
): Promise<Page[]> {
  const pages: Page[] = [];
  for (let i = 0; i < users.length; i++) pages.push(await run.page());
  for (let i = 0; i < users.length; i++) {
    await login(pages[i], server.url, users[i]);
  }
  return pages;
}

webAppTest(
  "web app: the page loads under its CSP with no script error and shows the login form",
  async (run, server) => {
    const page = await run.page();
    const failed: string[] = [];
    page.on("response", (answer) => {
      if (answer.status() >= 400) {
        failed.push(`${answer.status()} ${answer.url()}`);
      }
    });
    const response = await page.goto(server.url);
    assert.equal(response?.status(), 200);
    assert.match(
      response!.headers()["content-security-policy"],
      /script-src 'self';.*connect-src 'self'/,
    );
    await page.locator("#login-form").waitFor();
    assert.equal(await page.title(), "framewire chat");
    await run.screenshot(page, "login");
    // Every file the page asked for was there (the icon included).
    assert.deepEqual(failed, []);
    // A wrong password is refused on the form, with its code.
    await login(page, server.url, "alice");
    // A chat with nobody is refused, and leaves no row behind.
    await page.fill("#new-chat-input", "@nobody");
    await page.press("#new-chat-input", "Enter");
    await page.locator("#toast", { hasText: "UNKNOWN_USER" }).waitFor();
    assert.equal(await page.locator("#chat-list li").count(), 0);
    await page.click("#logout");
    await page.fill("#login-user", "alice");
    await page.fill("#login-password", "not the password");
    await page.click("#login-submit");
    await page.locator("#login-error", { hasText: "AUTH_FAILED" }).waitFor();
    assert.deepEqual(run.problems, []);
  },
);

webAppTest(
  "web app: two browser users register and chat both ways, live",
  async (run, server) => {
    const [alice, bob] = await loggedIn(run, server, "alice", "bob");
    await openChat(alice, "@bob");
    await send(alice, "hi bob");
    // bob has not opened the chat: it appears in his list, 1 unread.
    await bob.locator(
      '#chat-list button[data-chat="@alice"][data-unread="1"]',
    )
      .waitFor();
    await clickChat(bob, "@alice");
    await storedMessage(bob, "hi bob").waitFor();
    assert.equal(await unreadOf(bob, "@alice"), 0);
    await send(bob, "hello alice");
    // alice has the chat open: it arrives without her doing anything.
    await storedMessage(alice, "hello alice").waitFor();
    await send(alice, "how are you?");
    await storedMessage(bob, "how are you?").waitFor();
    // Each side shows the three messages once, in order, stored; only the
    // reader's own messages carry the stored mark.
    for (const page of [alice, bob]) {
      assert.deepEqual(await shownMessages(page), [
        { text: "hi bob", status: "stored", seq: "1" },
        { text: "hello alice", status: "stored", seq: "2" },
        { text: "how are you?", status: "stored", seq: "3" },
      ]);
    }
    // One day line above the three (named relative to now: "Yesterday"
    // only if the test ran across midnight).
    const days = await alice.locator("#messages li.day").allTextContents();
    assert.equal(days.length, 1);
    assert.match(days[0], /^(Today|Yesterday)$/);
    assert.equal(await alice.locator("#messages .mark.stored").count(), 2);
    assert.equal(await bob.locator("#messages .mark.stored").count(), 1);
    // Presence: bob shows online in alice's header.
    await alice.locator("#conv-subtitle", { hasText: "online" }).waitFor();
    await run.screenshot(alice, "chat");
    assert.deepEqual(run.problems, []);
  },
);

webAppTest(
  "web app: rooms are created and joined, with their members and who is online",
  async (run, server) => {
    const [alice, bob] = await loggedIn(run, server, "alice", "bob");
    await openChat(alice, "#team");
    await alice.locator("#toast", { hasText: "Created #team" }).waitFor();
    await openChat(bob, "#team");
    await send(bob, "bob here");
    await storedMessage(alice, "bob here").waitFor();
    await send(alice, "welcome");
    await storedMessage(bob, "welcome").waitFor();
    // The sender's name shows on others' messages in a room.
    assert.equal(
      await alice.locator('#messages li[data-from="bob"] .from')
        .textContent(),
      "bob",
    );
    await bob.locator("#conv-subtitle", { hasText: "2 members, 2 online" })
      .waitFor();
    await bob.locator('#online-list button[data-user="alice"]').waitFor();
    // A direct message meanwhile: counted in bob's list, not shown in #team.
    await openChat(alice, "@bob");
    await send(alice, "lunch at 1?");
    await bob.locator(
      '#chat-list button[data-chat="@alice"][data-unread="1"]',
    ).waitFor();
    assert.equal(
      await bob.getByText("lunch at 1?", { exact: true }).count(),
      0,
    );
    await bob.locator("#toast").waitFor({ state: "hidden" });
    await run.screenshot(bob, "room");
    await bob.click("#leave-room");
    await bob.locator('#chat-list button[data-chat="#team"]').waitFor({
      state: "detached",
    });
    assert.deepEqual(run.problems, []);
  },
);

webAppTest(
  "web app: a browser user and a cli/client.ts chat user chat",
  async (run, server) => {
    await using carol = spawnInteractive("client.ts", [
      "chat",
      `127.0.0.1:${server.port}`,
      "--user",
      "carol",
      "--password",
      PASSWORD,
    ]);
    await carol.waitFor(/^welcome user=carol registered=true$/);
    const alice = await run.page();
    await login(alice, server.url, "alice");
    await carol.type("/open alice");
    await carol.waitFor(/^opened chat=@alice delivered=0$/);
    await openChat(alice, "@carol");
    await send(alice, "hello from the browser");
    await carol.waitFor(
      /^message chat=@alice seq=1 from=alice text="hello from the browser"$/,
    );
    await carol.type("hello from the terminal");
    await carol.waitFor(/^sent chat=@alice seq=2$/);
    await storedMessage(alice, "hello from the terminal").waitFor();
    assert.deepEqual((await shownMessages(alice)).map((m) => m.text), [
      "hello from the browser",
      "hello from the terminal",
    ]);
    await carol.type("/quit");
    assert.equal((await carol.exit()).code, 0);
    assert.deepEqual(run.problems, []);
  },
);

webAppTest(
  "web app: messages sent while a user is offline wait, with their unread count, and arrive on open",
  async (run, server) => {
    const dave = await run.page();
    await login(dave, server.url, "dave");
    await dave.click("#logout");
    await dave.locator("#login-form").waitFor();
    const alice = await run.page();
    await login(alice, server.url, "alice");
    await openChat(alice, "@dave");
    for (const text of ["one", "two", "three"]) await send(alice, text);
    await login(dave, server.url, "dave");
    await dave.locator('#chat-list button[data-chat="@alice"]').waitFor();
    assert.equal(await unreadOf(dave, "@alice"), 3);
    assert.equal(await dave.title(), "(3) framewire chat");
    await run.screenshot(dave, "unread");
    await clickChat(dave, "@alice");
    await storedMessage(dave, "three").waitFor();
    assert.deepEqual((await shownMessages(dave)).map((m) => m.text), [
      "one",
      "two",
      "three",
    ]);
    assert.equal(await unreadOf(dave, "@alice"), 0);
    assert.equal(await dave.title(), "framewire chat");
    // Delivered: a new login finds nothing unread.
    await dave.click("#logout");
    await login(dave, server.url, "dave");
    await dave.locator('#chat-list button[data-chat="@alice"]').waitFor();
    assert.equal(await unreadOf(dave, "@alice"), 0);
    assert.deepEqual(run.problems, []);
  },
);

webAppTest(
  "web app: markup in a message shows as text and runs nothing",
  async (run, server) => {
    const [alice, bob] = await loggedIn(run, server, "alice", "bob");
    await openChat(bob, "@alice");
    await openChat(alice, "@bob");
    const hostile = [
      `<img src=x onerror="window.__pwned='img'">`,
      `<script>window.__pwned='script'</script>`,
      `<b>bold</b> &amp; &lt;i&gt; "quoted" 'single'`,
      `<a href="javascript:window.__pwned='link'">click</a>`,
      `<svg onload="window.__pwned='svg'"></svg>`,
    ];
    for (const text of hostile) await send(alice, text);
    await storedMessage(bob, hostile.at(-1)!).waitFor();
    for (const page of [alice, bob]) {
      assert.deepEqual(
        (await shownMessages(page)).map((m) => m.text),
        hostile,
      );
      // Only the page's own elements: no element came from a message.
      assert.equal(
        await page.locator("#messages .text *").count(),
        0,
      );
      assert.equal(
        await page.locator(
          "#messages img, #messages script, #messages svg, #messages a",
        )
          .count(),
        0,
      );
      assert.equal(
        await page.evaluate(() =>
          (globalThis as { __pwned?: string }).__pwned ?? null
        ),
        null,
      );
    }
    await run.screenshot(bob, "markup-as-text");
    assert.deepEqual(run.problems, []);
  },
);

webAppTest(
  "web app: after the server is killed and restarted, the page reconnects and shows every acknowledged message once",
  async (run, server) => {
    const [alice, bob] = await loggedIn(run, server, "alice", "bob");
    await openChat(alice, "@bob");
    await openChat(bob, "@alice");
    await send(alice, "before 1");
    await send(bob, "before 2");
    await storedMessage(alice, "before 2").waitFor();
    await server.crash();
    await alice.locator('#banner[data-state="reconnecting"]').waitFor();
    // Typed while the server is down: kept, marked as sending.
    await alice.fill("#composer-text", "while down");
    await alice.press("#composer-text", "Enter");
    await alice.locator('#messages li[data-status="sending"]').waitFor();
    await run.screenshot(alice, "reconnecting");
    await server.restart();
    await storedMessage(alice, "while down").waitFor();
    await alice.locator("#banner").waitFor({ state: "hidden" });
    await storedMessage(bob, "while down").waitFor();
    await send(bob, "after");
    await storedMessage(alice, "after").waitFor();
    const expected = [
      { text: "before 1", status: "stored", seq: "1" },
      { text: "before 2", status: "stored", seq: "2" },
      { text: "while down", status: "stored", seq: "3" },
      { text: "after", status: "stored", seq: "4" },
    ];
    assert.deepEqual(await shownMessages(alice), expected);
    assert.deepEqual(await shownMessages(bob), expected);
    // And the server has each once too: a fresh page's history agrees (it
    // logs in again with the tab's resume token).
    await alice.reload();
    await alice.locator("#me-name", { hasText: "alice" }).waitFor();
    await clickChat(alice, "@bob");
    await storedMessage(alice, "after").waitFor();
    assert.deepEqual(await shownMessages(alice), expected);
    assert.deepEqual(run.problems, []);
  },
);

webAppTest(
  "web app: a second tab of the same user replaces the first, which says SESSION_REPLACED",
  async (run, server) => {
    const context = await run.context();
    const first = await context.newPage();
    await login(first, server.url, "alice");
    const second = await context.newPage();
    await login(second, server.url, "alice");
    await first.locator("#replaced").waitFor();
    assert.match(
      await first.locator("#replaced").textContent() ?? "",
      /SESSION_REPLACED/,
    );
    await first.locator('#banner[data-state="replaced"]').waitFor();
    await run.screenshot(first, "session-replaced");
    // The second tab works; the first does not reconnect by itself.
    await openChat(second, "#general");
    await send(second, "from the second tab");
    assert.equal(await first.locator("#replaced").isVisible(), true);
    // "Use here" takes the session back.
    await first.click("#use-here");
    await first.locator("#replaced").waitFor({ state: "hidden" });
    await second.locator("#replaced").waitFor();
  },
);

webAppTest(
  "web app: a reload logs in again with the tab's resume token and reopens its chat; a stale token or a logout shows the form",
  async (run, server) => {
    const page = await run.page();
    await login(page, server.url, "alice");
    await openChat(page, "#general");
    await send(page, "before the reload");
    // Twice: the first reload spends the token, the second uses the next.
    // The chat open before is open again.
    for (let i = 0; i < 2; i++) {
      await page.reload();
      await page.locator("#me-name", { hasText: "alice" }).waitFor();
      await page.locator('#conversation[data-chat="#general"]').waitFor();
      await storedMessage(page, "before the reload").waitFor();
      assert.equal(await page.locator("#login-view").isVisible(), false);
    }
    // A token the server does not know: the form, the name filled in.
    await page.evaluate(() =>
      sessionStorage.setItem(
        "framewire.resume",
        JSON.stringify({ user: "alice", token: "x".repeat(43) }),
      )
    );
    await page.reload();
    await page.locator("#login-error", { hasText: "Please log in again." })
      .waitFor();
    assert.equal(await page.inputValue("#login-user"), "alice");
    assert.equal(await page.locator("#chat-view").isVisible(), false);
    // Logged in again, then out: a reload shows the form, and the server
    // has forgotten the token the tab held.
    await login(page, server.url, "alice");
    const held = await page.evaluate(() =>
      sessionStorage.getItem("framewire.resume")
    );
    assert.ok(held);
    await page.click("#logout");
    await page.locator("#login-view").waitFor();
    await page.reload();
    await page.locator("#login-form").waitFor();
    assert.equal(await page.locator("#chat-view").isVisible(), false);
    assert.equal(await page.locator("#login-error").textContent(), "");
    await page.evaluate(
      (saved) => sessionStorage.setItem("framewire.resume", saved),
      held,
    );
    await page.reload();
    await page.locator("#login-error", { hasText: "Please log in again." })
      .waitFor();
    assert.deepEqual(run.problems, []);
  },
);

webAppTest(
  "web app: on a phone-sized screen the list and the chat take turns",
  async (run, server) => {
    const alice = await run.page({ phone: true });
    const bob = await run.page();
    await login(bob, server.url, "bob");
    await login(alice, server.url, "alice");
    assert.equal(await alice.locator("#conversation").isVisible(), false);
    await openChat(alice, "@bob");
    assert.equal(await alice.locator(".sidebar").isVisible(), false);
    await send(alice, "sent from a phone");
    await openChat(bob, "@alice");
    await send(bob, "got it");
    await storedMessage(alice, "got it").waitFor();
    await run.screenshot(alice, "phone-chat");
    await alice.click("#back");
    await alice.locator(".sidebar").waitFor();
    assert.equal(await alice.locator("#conversation").isVisible(), false);
    await run.screenshot(alice, "phone-list");
    assert.deepEqual(run.problems, []);
  },
);
