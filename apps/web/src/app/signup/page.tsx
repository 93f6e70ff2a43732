"use client";

import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";
import { AuthFrame, safeNext } from "../../components/auth-frame.tsx";
import { ErrorNote, Field } from "../../components/ui.tsx";
import { api, type Inputs } from "../../lib/api.ts";
import { resetCache, useMutation } from "../../lib/use-api.ts";

function SignUp() {
  const router = useRouter();
  const params = useSearchParams();
  const next = safeNext(params.get("next"));
  const [form, setForm] = useState({ name: "", email: "", password: "", orgName: "" });
  const signUp = useMutation((input: Inputs["auth"]["signUp"]) => api.auth.signUp.mutate(input), {
    onSuccess: () => {
      resetCache();
      router.replace(next === "/overview" ? "/gateways/new" : next);
    },
  });
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm({ ...form, [key]: e.target.value });
  const fields = signUp.failure?.fields ?? {};
  return (
    <AuthFrame
      title="Create your account"
      lead="You will own a new organization; invite your team once you are in."
      foot={
        <>
          Already have an account? <Link href="/login">Log in</Link>
        </>
      }
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void signUp.run({
            email: form.email,
            password: form.password,
            orgName: form.orgName,
            ...(form.name.trim() === "" ? {} : { name: form.name }),
          });
        }}
      >
        <ErrorNote failure={signUp.failure} />
        <Field label="Your name" hint="Optional: shown to your team." error={fields.name}>
          {(p) => <input {...p} type="text" autoComplete="name" value={form.name} onChange={set("name")} />}
        </Field>
        <Field label="Work email" error={fields.email}>
          {(p) => (
            <input
              {...p}
              type="email"
              autoComplete="email"
              value={form.email}
              onChange={set("email")}
              required
            />
          )}
        </Field>
        <Field label="Password" hint="At least 12 characters; a passphrase is best." error={fields.password}>
          {(p) => (
            <input
              {...p}
              type="password"
              autoComplete="new-password"
              value={form.password}
              onChange={set("password")}
              required
            />
          )}
        </Field>
        <Field label="Organization name" hint="Your team or company." error={fields.orgName}>
          {(p) => <input {...p} type="text" value={form.orgName} onChange={set("orgName")} required />}
        </Field>
        <button type="submit" className="btn primary" disabled={signUp.pending}>
          {signUp.pending ? "Creating…" : "Create account"}
        </button>
      </form>
    </AuthFrame>
  );
}

export default function SignUpPage() {
  return (
    <Suspense>
      <SignUp />
    </Suspense>
  );
}
