import { redirect } from "next/navigation";

/** The dashboard starts at the overview (which sends a signed-out visitor to /login). */
export default function Home() {
  redirect("/overview");
}
