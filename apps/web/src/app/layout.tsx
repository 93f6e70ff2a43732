import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import { HydrationMark } from "../components/hydration-mark.tsx";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "TameFlare", template: "%s · TameFlare" },
  description: "Governance for AI agents: policies, approvals, audit.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        {children}
        <HydrationMark />
      </body>
    </html>
  );
}
