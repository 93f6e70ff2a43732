"use client";

import type { PolicyError } from "@tameflare/policy-engine";
import { forwardRef, useImperativeHandle, useRef } from "react";

export interface YamlEditorHandle {
  /** Moves the caret to a line (1-based) and column, and scrolls it into view. */
  goTo(line: number, column?: number): void;
}

/**
 * A plain textarea with a line-number gutter that marks the lines carrying errors. Kept
 * native on purpose: keyboard, screen readers, undo and mobile input work as everywhere.
 */
export const YamlEditor = forwardRef<
  YamlEditorHandle,
  {
    id: string;
    value: string;
    onChange: (text: string) => void;
    errors: readonly PolicyError[];
    readOnly?: boolean;
    describedBy?: string;
    label: string;
  }
>(function YamlEditor({ id, value, onChange, errors, readOnly = false, describedBy, label }, ref) {
  const textarea = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const lineCount = value.split("\n").length;
  const errorLines = new Map<number, string>();
  for (const e of errors)
    if (e.line !== undefined && !errorLines.has(e.line)) errorLines.set(e.line, e.message);
  useImperativeHandle(ref, () => ({
    goTo(line, column = 1) {
      const el = textarea.current;
      if (el === null) return;
      const lines = el.value.split("\n");
      let offset = 0;
      for (let i = 0; i < line - 1 && i < lines.length; i++) offset += (lines[i]?.length ?? 0) + 1;
      offset += Math.max(0, column - 1);
      el.focus();
      el.setSelectionRange(offset, offset);
      el.scrollTop = Math.max(0, (line - 4) * 20);
    },
  }));
  return (
    <div className="editor">
      <div className="gutter" ref={gutter} aria-hidden="true">
        {Array.from({ length: lineCount }, (_, i) => {
          const n = i + 1;
          const message = errorLines.get(n);
          return (
            <div
              key={n}
              className={message === undefined ? "gutter-line" : "gutter-line err"}
              title={message}
            >
              {n}
            </div>
          );
        })}
      </div>
      <textarea
        id={id}
        ref={textarea}
        aria-label={label}
        aria-describedby={describedBy}
        aria-invalid={errors.length > 0}
        value={value}
        readOnly={readOnly}
        spellCheck={false}
        autoCapitalize="off"
        autoCorrect="off"
        rows={Math.min(30, Math.max(14, lineCount + 1))}
        onChange={(e) => onChange(e.target.value)}
        onScroll={(e) => {
          if (gutter.current !== null) gutter.current.scrollTop = e.currentTarget.scrollTop;
        }}
        onKeyDown={(e) => {
          // Tab inserts two spaces (YAML indentation); Escape then Tab leaves the editor.
          if (e.key === "Tab" && !e.shiftKey && !readOnly && !e.currentTarget.dataset.escaped) {
            e.preventDefault();
            const el = e.currentTarget;
            const start = el.selectionStart;
            const next = `${el.value.slice(0, start)}  ${el.value.slice(el.selectionEnd)}`;
            onChange(next);
            requestAnimationFrame(() => el.setSelectionRange(start + 2, start + 2));
          }
          if (e.key === "Escape") e.currentTarget.dataset.escaped = "1";
          else if (e.key !== "Tab") delete e.currentTarget.dataset.escaped;
        }}
      />
    </div>
  );
});
