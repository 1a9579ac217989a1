// Copyright 2026 the framewire authors. MIT license.
// Transitional: transport/_served_connection.ts (owned by the server split)
// still imports checkOutgoingFrame from here. Delete this file once it
// imports the public `checkFrame` from ./check_frame.ts instead.
export { checkFrame as checkOutgoingFrame } from "./check_frame.ts";
