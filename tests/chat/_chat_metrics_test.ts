// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import { ChatMetrics } from "../../chat/_chat_metrics.ts";
import { MetricsRegistry } from "../../mod.ts";

/** The sample lines (no comments) of a render, `_bucket` lines left out. */
function samples(registry: MetricsRegistry): string[] {
  return registry.render().split("\n").filter((line) =>
    line !== "" && !line.startsWith("#") && !line.includes("_bucket")
  );
}

Deno.test("ChatMetrics counts before registration and reports in seconds after", () => {
  const metrics = new ChatMetrics();
  metrics.stored();
  metrics.stored();
  metrics.delivered(3);
  metrics.storeLatency(250); // ms
  metrics.busLag(-40); // another node's clock ahead: counted as 0
  metrics.busLag(1500);
  metrics.gapRepaired();
  metrics.gapRepaired();
  const registry = new MetricsRegistry();
  metrics.register(registry, { users: () => 5, sessions: () => 7 });
  assert.deepEqual(samples(registry), [
    "framewire_chat_messages_stored_total 2",
    "framewire_chat_messages_delivered_total 3",
    "framewire_chat_store_append_seconds_sum 0.25",
    "framewire_chat_store_append_seconds_count 1",
    "framewire_chat_bus_lag_seconds_sum 1.5",
    "framewire_chat_bus_lag_seconds_count 2",
    "framewire_chat_gaps_repaired_total 2",
    "framewire_chat_users_online 5",
    "framewire_chat_sessions 7",
  ]);
  assert.match(
    registry.render(),
    /^framewire_chat_bus_lag_seconds_bucket\{le="0.0005"\} 1$/m,
  );
  assert.match(
    registry.render(),
    /^framewire_chat_bus_lag_seconds_bucket\{le="1"\} 1$/m,
  );
});
