// Copyright 2026 the framewire authors. MIT license.
// What a person does on the chat page, as steps for the browser tests.
// Selectors are the page's ids and data attributes (see
// web/app/static/index.html and web/app/src/_view.ts).
import type { Locator, Page } from "playwright-core";

export const PASSWORD = "password1";

/** Opens the page and logs in (registering a new name). */
export async function login(
  page: Page,
  url: string,
  user: string,
  password = PASSWORD,
): Promise<void> {
  if (page.url() !== `${url}/`) await page.goto(url);
  await page.fill("#login-user", user);
  await page.fill("#login-password", password);
  await page.click("#login-submit");
  await page.locator("#chat-view").waitFor();
  await page.locator("#me-name", { hasText: user }).waitFor();
}

/** Types `@name` or `#room` in the new-chat box and waits for it to open. */
export async function openChat(page: Page, chat: string): Promise<void> {
  await page.fill("#new-chat-input", chat);
  await page.press("#new-chat-input", "Enter");
  await page.locator(`#conversation[data-chat="${chat}"]`).waitFor();
}

/** Clicks a chat in the list and waits for it to open. */
export async function clickChat(page: Page, chat: string): Promise<void> {
  await page.click(`#chat-list button[data-chat="${chat}"]`);
  await page.locator(`#conversation[data-chat="${chat}"]`).waitFor();
}

/** Types a message and presses Enter; waits until it is stored (✓). */
export async function send(page: Page, text: string): Promise<void> {
  await page.fill("#composer-text", text);
  await page.press("#composer-text", "Enter");
  await storedMessage(page, text).waitFor();
}

/** A message of the open chat with exactly this text, once stored. */
export function storedMessage(page: Page, text: string): Locator {
  return page.locator('#messages li[data-status="stored"]').filter({
    has: page.getByText(text, { exact: true }),
  });
}

/** The texts of the open chat's messages, in order, with their status. */
export function shownMessages(
  page: Page,
): Promise<{ text: string; status: string; seq: string | null }[]> {
  return page.locator("#messages li.msg").evaluateAll((items) =>
    items.map((item) => ({
      text: item.querySelector(".text")?.textContent ?? "",
      status: item.getAttribute("data-status") ?? "",
      seq: item.getAttribute("data-seq"),
    }))
  );
}

/** The unread count the chat list shows for `chat`. */
export async function unreadOf(page: Page, chat: string): Promise<number> {
  const value = await page.locator(`#chat-list button[data-chat="${chat}"]`)
    .getAttribute("data-unread");
  return Number(value);
}
