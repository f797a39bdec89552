/**
 * Unit tests of `sandbox/output_capture.ts`: both streams share one byte budget, the text is cut
 * with a marker, past the hard limit the callback fires, and UTF-8 split across writes decodes.
 */
import assert from "node:assert/strict";
import type { ChildLimits } from "../../src/relay/protocol.ts";
import { OutputCapture } from "../../sandbox/output_capture.ts";

const encoder = new TextEncoder();
const limits = (output_bytes: number, output_hard_bytes: number): ChildLimits => ({
  output_bytes,
  output_hard_bytes,
  result_bytes: 1024,
});

Deno.test("both streams are kept in order under the budget", () => {
  let stopped = 0;
  const capture = new OutputCapture(limits(100, 1000), () => stopped++);
  assert.equal(capture.write("stdout", encoder.encode("out 1\n")), 6);
  capture.write("stderr", encoder.encode("err\n"));
  capture.write("stdout", encoder.encode("out 2\n"));
  assert.equal(capture.text("stdout"), "out 1\nout 2\n");
  assert.equal(capture.text("stderr"), "err\n");
  assert.equal(capture.truncated, false);
  assert.equal(stopped, 0);
});

Deno.test("past the shared budget the text is cut with a marker on the stream that lost bytes", () => {
  const capture = new OutputCapture(limits(10, 1000), () => {});
  capture.write("stderr", encoder.encode("1234"));
  capture.write("stdout", encoder.encode("abcdefghij")); // 6 kept, 4 cut
  capture.write("stderr", encoder.encode("more")); // nothing kept
  assert.equal(capture.truncated, true);
  assert.equal(
    capture.text("stdout"),
    "abcdef\n… [output truncated: 18 bytes written, 10 kept]",
  );
  assert.equal(capture.text("stderr"), "1234\n… [output truncated: 18 bytes written, 10 kept]");
});

Deno.test("the hard limit calls back once the bytes written pass it", () => {
  let stopped = 0;
  const capture = new OutputCapture(limits(4, 10), () => stopped++);
  capture.write("stdout", encoder.encode("12345"));
  capture.write("stdout", encoder.encode("12345"));
  assert.equal(stopped, 0, "10 bytes is not past 10");
  capture.write("stdout", encoder.encode("1"));
  assert.equal(stopped, 1);
});

Deno.test("a character split across writes decodes whole; the written bytes are copied", () => {
  const capture = new OutputCapture(limits(100, 1000), () => {});
  const bytes = encoder.encode("€!");
  const shared = new Uint8Array(bytes);
  capture.write("stdout", shared.subarray(0, 2));
  capture.write("stdout", shared.subarray(2));
  shared.fill(0); // the writer reuses its buffer
  assert.equal(capture.text("stdout"), "€!");
});
