// Copyright 2026 the framewire authors. MIT license.
// The chat's input line on a terminal. In the terminal's own (cooked) mode,
// a message printed while the user types lands in the middle of the
// half-typed line ("I am typi13:30 [@alice] alice: ping" then "ng this").
// So the terminal is put in raw mode and the line is kept here: every line
// printed from elsewhere first clears the input line, then draws the
// prompt and the typed text again under it.
//
// Deliberately small: printable text, Backspace, Ctrl-U (clear the line),
// Ctrl-W (delete a word), Enter, Ctrl-D on an empty line (end of input),
// Ctrl-C (end of input: the chat quits). Other escape sequences (arrows)
// are ignored rather than inserted.

const CLEAR_LINE = "\r\x1b[K";

/** Where the editor draws, and its keyboard. */
export interface LineEditorIo {
  /** The keyboard's bytes. */
  readonly input: ReadableStream<Uint8Array>;
  /** Writes to the terminal (synchronously, so lines never interleave). */
  write(text: string): void;
  /** Raw mode on or off; not called when `undefined` (tests). */
  setRaw?(raw: boolean): void;
  /**
   * Whether an entered line stays on the screen as typed. A chat message
   * does not: the program prints it again in its final form (time, mark)
   * once the server has stored it. Default: every line stays.
   */
  keepEntered?(line: string): boolean;
}

/** A line editor over a raw terminal; see the file comment. */
export class LineEditor {
  #io: LineEditorIo;
  #prompt = "";
  #typed = "";
  #decoder = new TextDecoder();
  /** Inside an escape sequence: its bytes are skipped. */
  #escape: "no" | "start" | "csi" = "no";
  /** After {@linkcode LineEditor.close}: lines print plainly. */
  #closed = false;

  constructor(io: LineEditorIo) {
    this.#io = io;
  }

  /** What was typed and not entered yet. */
  get typed(): string {
    return this.#typed;
  }

  /** Changes the prompt (the open chat) and draws the line again. */
  setPrompt(prompt: string): void {
    if (prompt === this.#prompt) return;
    this.#prompt = prompt;
    this.#io.write(CLEAR_LINE + this.#prompt + this.#typed);
  }

  /** Prints a line above the input line, which is drawn again under it. */
  print(line: string): void {
    if (this.#closed) {
      this.#io.write(`${line.replaceAll("\n", "\r\n")}\r\n`);
      return;
    }
    this.#io.write(
      `${CLEAR_LINE}${
        line.replaceAll("\n", "\r\n")
      }\r\n${this.#prompt}${this.#typed}`,
    );
  }

  /**
   * Ends the editing: the input line is cleared, the terminal leaves raw
   * mode, and later lines print without a prompt under them (the program
   * is ending, even if a read of the keyboard is still pending).
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#io.write(CLEAR_LINE);
    this.#io.setRaw?.(false);
  }

  /** The entered lines, until Ctrl-D on an empty line, Ctrl-C or the end. */
  async *lines(): AsyncGenerator<string> {
    this.#io.setRaw?.(true);
    this.#redraw();
    try {
      for await (const chunk of this.#io.input) {
        const entered: string[] = [];
        let end = false;
        for (const char of this.#decoder.decode(chunk, { stream: true })) {
          const result = this.#key(char);
          if (result === "end") {
            end = true;
            break;
          }
          if (result !== undefined) entered.push(result);
        }
        for (const line of entered) yield line;
        if (end) return;
      }
    } finally {
      this.#io.setRaw?.(false);
    }
  }

  /** One key: the entered line on Enter, "end" to stop, else nothing. */
  #key(char: string): string | "end" | undefined {
    if (this.#escape !== "no") {
      // ESC [ ... final byte (0x40-0x7e); ESC and one more byte otherwise.
      if (this.#escape === "start" && char === "[") this.#escape = "csi";
      else if (this.#escape === "start" || (char >= "@" && char <= "~")) {
        this.#escape = "no";
      }
      return undefined;
    }
    switch (char) {
      case "\r":
      case "\n": {
        const line = this.#typed;
        this.#typed = "";
        const keep = this.#io.keepEntered?.(line) ?? true;
        this.#io.write(
          keep ? `\r\n${this.#prompt}` : CLEAR_LINE + this.#prompt,
        );
        return line;
      }
      case "\x03": // Ctrl-C
        this.#io.write("\r\n");
        return "end";
      case "\x04": // Ctrl-D: end of input on an empty line, as a shell does
        if (this.#typed !== "") return undefined;
        this.#io.write("\r\n");
        return "end";
      case "\x7f":
      case "\b": {
        if (this.#typed === "") return undefined;
        this.#typed = [...this.#typed].slice(0, -1).join("");
        this.#redraw();
        return undefined;
      }
      case "\x15": // Ctrl-U
        this.#typed = "";
        this.#redraw();
        return undefined;
      case "\x17": // Ctrl-W
        this.#typed = this.#typed.replace(/\S*\s*$/, "");
        this.#redraw();
        return undefined;
      case "\x1b":
        this.#escape = "start";
        return undefined;
    }
    if (char < " ") return undefined; // other controls: not inserted
    this.#typed += char;
    this.#io.write(char);
    return undefined;
  }

  #redraw(): void {
    this.#io.write(CLEAR_LINE + this.#prompt + this.#typed);
  }
}
