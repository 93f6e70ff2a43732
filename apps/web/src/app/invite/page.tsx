"use client";

import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";
import { AuthFrame } from "../../components/auth-frame.tsx";
import { ErrorNote, Field, Loading } from "../../components/ui.tsx";
import { api, type Inputs } from "../../lib/api.ts";
import { resetCache, useApi, useMutation } from "../../lib/use-api.ts";

function AcceptInvite() {
  const router = useRouter();
  const token = useSearchParams().get("token") ?? "";
  const me = useApi("auth.me", () => api.auth.me.query());
  const [form, setForm] = useState({ name: "", password: "" });
  const accept = useMutation((input: Inputs["invites"]["accept"]) => api.invites.accept.mutate(input), {
    onSuccess: async (result) => {
      resetCache();
      await api.orgs.switch.mutate({ orgId: result.organization.id });
      router.replace("/overview");
    },
  });
  const here = `/invite?token=${encodeURIComponent(token)}`;
  if (token === "") {
    return (
      <AuthFrame
        title="Invite link incomplete"
        lead="This page needs the whole link from your invitation email."
      >
        <p className="muted">Open the link again, or ask the person who invited you to send a new one.</p>
      </AuthFrame>
    );
  }
  if (me.data === undefined && me.failure === null) return <Loading />;
  const signedIn = me.data !== undefined;
  return (
    <AuthFrame
      title="Join your team on TameFlare"
      lead={
        signedIn
          ? `You are signed in as ${me.data?.user.email}. Accept to join the organization that invited you.`
          : "Set a password to create your account and join. Already have an account? Log in first, then open this link again."
      }
      foot={
        signedIn ? undefined : (
          <>
            Have an account? <Link href={`/login?next=${encodeURIComponent(here)}`}>Log in first</Link>
          </>
        )
      }
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void accept.run(
            signedIn
              ? { token }
              : { token, password: form.password, ...(form.name.trim() === "" ? {} : { name: form.name }) },
          );
        }}
      >
        <ErrorNote failure={accept.failure} />
        {signedIn ? null : (
          <>
            <Field label="Your name" hint="Optional." error={accept.failure?.fields.name}>
              {(p) => (
                <input
                  {...p}
                  type="text"
                  value={form.name}
                  onChange={(e) => setForm({ ...form, name: e.target.value })}
                />
              )}
            </Field>
            <Field
              label="Choose a password"
              hint="At least 12 characters."
              error={accept.failure?.fields.password}
            >
              {(p) => (
                <input
                  {...p}
                  type="password"
                  autoComplete="new-password"
                  value={form.password}
                  onChange={(e) => setForm({ ...form, password: e.target.value })}
                  required
                />
              )}
            </Field>
          </>
        )}
        <button type="submit" className="btn primary" disabled={accept.pending}>
          {accept.pending ? "Joining…" : "Accept invite"}
        </button>
      </form>
    </AuthFrame>
  );
}

export default function InvitePage() {
  return (
    <Suspense>
      <AcceptInvite />
    </Suspense>
  );
}
