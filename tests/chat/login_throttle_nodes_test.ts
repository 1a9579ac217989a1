// Copyright 2026 the framewire authors. MIT license.
// The per-name login throttle across the nodes of a cluster: each node tells
// the others of its failures (and of a success that clears them) over the
// bus, so a guesser gains nothing by spreading attempts over the nodes.
// Nodes here are in-process ChatServers over one store and one bus.
import assert from "node:assert/strict";
import { ChatClient, ChatError, ChatErrorCode } from "../../chat/mod.ts";
import { type ChatNode, withNodes } from "./_chat_nodes.ts";
import { PASSWORD } from "./_chat_utils.ts";

// The server's default loginThrottleFailures.
const FAILURES_TO_LOCK = 5;

function login(node: ChatNode, password: string): Promise<ChatClient> {
  return ChatClient.connect({ port: node.port, user: "alice", password });
}

/** Logs in as alice on `node` with `password`; the code it is refused with. */
async function refusal(node: ChatNode, password: string): Promise<string> {
  try {
    await (await login(node, password)).close();
  } catch (error) {
    if (error instanceof ChatError) return error.code;
    throw error;
  }
  return "welcome";
}

Deno.test("ChatServer nodes lock a name on all of them once its failures, spread over the nodes, reach the threshold", async () => {
  await withNodes(2, async (nodes) => {
    await (await login(nodes[0], PASSWORD)).close(); // registers alice
    const spread = [0, 0, 0, 1, 1];
    assert.equal(spread.length, FAILURES_TO_LOCK);
    for (const node of spread) {
      assert.equal(
        await refusal(nodes[node], "a wrong password"),
        ChatErrorCode.AuthFailed,
      );
    }
    // Neither node saw five failures itself; both refuse the right password.
    for (const node of nodes) {
      assert.equal(
        await refusal(node, PASSWORD),
        ChatErrorCode.LoginThrottled,
      );
    }
  });
});

Deno.test("ChatServer nodes clear a name's failures on all of them after a login succeeds on one", async () => {
  await withNodes(2, async (nodes) => {
    await (await login(nodes[0], PASSWORD)).close();
    for (const node of [0, 1, 0, 1]) {
      assert.equal(
        await refusal(nodes[node], "a wrong password"),
        ChatErrorCode.AuthFailed,
      );
    }
    // Four failures on each node's count; a success on node 0 clears both.
    assert.equal(await refusal(nodes[0], PASSWORD), "welcome");
    for (const node of [1, 0, 1, 0]) {
      assert.equal(
        await refusal(nodes[node], "a wrong password"),
        ChatErrorCode.AuthFailed,
      );
    }
    // Four again: node 1 would be locked had it kept the first four.
    assert.equal(await refusal(nodes[1], PASSWORD), "welcome");
  });
});
