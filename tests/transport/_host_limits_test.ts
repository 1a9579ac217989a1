// Copyright 2026 the framewire authors. MIT license.
import assert from "node:assert/strict";
import {
  hostKey,
  HostLimits,
  MAX_BUCKETS,
} from "../../transport/_host_limits.ts";

const tcp = (hostname: string): Deno.Addr => ({
  transport: "tcp",
  hostname,
  port: 5000,
});

Deno.test("hostKey counts IPv4 addresses, IPv6 /64 prefixes, and no Unix peer", () => {
  const cases: [Deno.Addr, string | undefined][] = [
    [tcp("203.0.113.7"), "203.0.113.7"],
    // Two addresses of one /64 are one host.
    [tcp("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64"],
    [tcp("2001:db8:1:2:bbbb:cccc:dddd:eeee"), "2001:db8:1:2::/64"],
    [tcp("2001:db8::1"), "2001:db8:0:0::/64"],
    [tcp("::1"), "0:0:0:0::/64"],
    // An IPv4-mapped address is the IPv4 host, however it is written.
    [tcp("::ffff:198.51.100.4"), "198.51.100.4"],
    [tcp("::ffff:c633:6404"), "198.51.100.4"],
    // A zone index does not make another host.
    [tcp("fe80::1%eth0"), "fe80:0:0:0::/64"],
    [{ transport: "unix", path: "/run/x.sock" }, undefined],
  ];
  for (const [addr, expected] of cases) {
    assert.equal(hostKey(addr), expected, JSON.stringify(addr));
  }
});

Deno.test("HostLimits refuses a host at maxConnectionsPerHost with HOST_LIMIT until one closes", () => {
  const hosts = new HostLimits({
    maxConnectionsPerHost: 2,
    maxConnectionsPerHostPerSecond: Infinity,
  });
  assert.equal(hosts.admit("a", 0), undefined);
  assert.equal(hosts.admit("a", 0), undefined);
  assert.equal(hosts.admit("a", 0)?.code, "HOST_LIMIT");
  // Another host is not affected.
  assert.equal(hosts.admit("b", 0), undefined);
  hosts.release("a");
  assert.equal(hosts.admit("a", 0), undefined);
  // Counts disappear with their last connection: the table stays small.
  hosts.release("a");
  hosts.release("a");
  hosts.release("b");
  assert.deepEqual(hosts.size, { counts: 0, buckets: 0 });
});

Deno.test("HostLimits lets a host open maxConnectionsPerHostPerSecond at once, then at that rate", () => {
  const hosts = new HostLimits({
    maxConnectionsPerHost: Infinity,
    maxConnectionsPerHostPerSecond: 4,
  });
  for (let i = 0; i < 4; i++) assert.equal(hosts.admit("a", 0), undefined);
  const refused = hosts.admit("a", 0);
  assert.equal(refused?.code, "CONNECTION_RATE_LIMITED");
  assert.match(refused!.message, /retry in 250 ms/);
  // A refused attempt spends nothing: a quarter second later one more fits.
  assert.equal(hosts.admit("a", 249)?.code, "CONNECTION_RATE_LIMITED");
  assert.equal(hosts.admit("a", 250), undefined);
  assert.equal(hosts.admit("a", 250)?.code, "CONNECTION_RATE_LIMITED");
  assert.equal(hosts.admit("b", 250), undefined);
});

Deno.test("HostLimits forgets a bucket once it has refilled, and never holds more than MAX_BUCKETS", () => {
  const hosts = new HostLimits({
    maxConnectionsPerHost: Infinity,
    maxConnectionsPerHostPerSecond: 10,
  });
  hosts.admit("a", 0);
  hosts.release("a");
  hosts.prune(50);
  assert.equal(hosts.size.buckets, 1);
  hosts.prune(100);
  assert.equal(hosts.size.buckets, 0);

  for (let i = 0; i < MAX_BUCKETS + 100; i++) {
    hosts.admit(`h${i}`, 0);
    hosts.release(`h${i}`);
  }
  assert.equal(hosts.size.buckets, MAX_BUCKETS);
  assert.equal(hosts.size.counts, 0);
});

Deno.test("HostLimits with both limits off tracks nothing", () => {
  const hosts = new HostLimits({
    maxConnectionsPerHost: Infinity,
    maxConnectionsPerHostPerSecond: Infinity,
  });
  for (let i = 0; i < 1000; i++) assert.equal(hosts.admit("a", 0), undefined);
  assert.equal(hosts.enabled, false);
  assert.deepEqual(hosts.size, { counts: 0, buckets: 0 });
});
