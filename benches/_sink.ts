// Copyright 2026 the framewire authors. MIT license.
// Accepts one connection on PORT, reads until EOF, prints the byte count.
const listener = Deno.listen({
  hostname: "127.0.0.1",
  port: Number(Deno.args[0]),
});
const conn = await listener.accept();
listener.close();
const buffer = new Uint8Array(1 << 20);
let total = 0;
for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
  total += n;
}
conn.close();
console.log(total);
