"use client";

import { useState } from "react";
import { api } from "../lib/api.ts";
import { useMutation } from "../lib/use-api.ts";
import { ErrorNote, Field } from "./ui.tsx";

/** A new organization owned by the signed-in user. */
export function CreateOrganization({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState("");
  const create = useMutation((input: { name: string }) => api.orgs.create.mutate(input), {
    onSuccess: onCreated,
  });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        void create.run({ name });
      }}
    >
      <ErrorNote failure={create.failure} />
      <Field label="Organization name" error={create.failure?.fields.name}>
        {(p) => <input {...p} type="text" value={name} onChange={(e) => setName(e.target.value)} required />}
      </Field>
      <button type="submit" className="btn primary" disabled={create.pending}>
        {create.pending ? "Creating…" : "Create organization"}
      </button>
    </form>
  );
}
