"use client";

import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";
import { AuthFrame, safeNext } from "../../components/auth-frame.tsx";
import { ErrorNote, Field } from "../../components/ui.tsx";
import { api } from "../../lib/api.ts";
import { resetCache, useMutation } from "../../lib/use-api.ts";

function LogIn() {
  const router = useRouter();
  const params = useSearchParams();
  const next = safeNext(params.get("next"));
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const login = useMutation((input: { email: string; password: string }) => api.auth.logIn.mutate(input), {
    onSuccess: () => {
      resetCache();
      router.replace(next);
    },
  });
  return (
    <AuthFrame
      title="Log in"
      lead="Policies, approvals and the audit trail of your AI agents."
      foot={
        <>
          New here?{" "}
          <Link href={`/signup${next === "/overview" ? "" : `?next=${encodeURIComponent(next)}`}`}>
            Create an account
          </Link>
        </>
      }
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void login.run({ email, password });
        }}
      >
        <ErrorNote failure={login.failure} />
        <Field label="Email" error={login.failure?.fields.email}>
          {(p) => (
            <input
              {...p}
              type="email"
              autoComplete="email"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              required
            />
          )}
        </Field>
        <Field label="Password" error={login.failure?.fields.password}>
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              required
            />
          )}
        </Field>
        <button type="submit" className="btn primary" disabled={login.pending}>
          {login.pending ? "Logging in…" : "Log in"}
        </button>
      </form>
    </AuthFrame>
  );
}

export default function LogInPage() {
  return (
    <Suspense>
      <LogIn />
    </Suspense>
  );
}
