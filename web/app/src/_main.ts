// Copyright 2026 the framewire authors. MIT license.
// Entry point of the chat page (bundled into web/app/dist/app.js).
/// <reference lib="dom" />
import { ChatApp } from "./_app.ts";
import { connectSession } from "./_client.ts";

new ChatApp(connectSession);
