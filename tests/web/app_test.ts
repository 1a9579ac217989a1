// Copyright 2026 the framewire authors. MIT license.
// The chat page (web/app/) in a real headless Chromium against a real
// cli/server.ts: see tests/web/_browser.ts for how they are run.
import assert from "node:assert/strict";
import { withTempDir } from "../cli/_chat_spawn.ts";
import { browserTest, startWebServer } from "./_browser.ts";

browserTest(
  "web app: the page loads under its CSP with no script error and shows the login form",
  async (run) => {
    await withTempDir(async (dir) => {
      await using server = await startWebServer(`${dir}/chat.db`);
      const page = await run.page();
      const response = await page.goto(server.url);
      assert.equal(response?.status(), 200);
      assert.match(
        response!.headers()["content-security-policy"],
        /script-src 'self';.*connect-src 'self'/,
      );
      await page.locator("#login-form").waitFor();
      assert.equal(await page.title(), "framewire chat");
      await run.screenshot(page, "login");
      assert.deepEqual(run.problems, []);
    });
  },
);
