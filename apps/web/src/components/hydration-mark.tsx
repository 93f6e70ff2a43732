"use client";

import { useEffect } from "react";

/** Marks the document once React has taken over the server's HTML (the e2e waits for it before typing). */
export function HydrationMark() {
  useEffect(() => {
    document.documentElement.dataset.hydrated = "1";
  }, []);
  return null;
}
