import Link from "next/link";

export default function NotFound() {
  return (
    <div className="auth">
      <div className="card">
        <h1>Page not found</h1>
        <p className="lead">There is nothing at this address.</p>
        <Link className="btn primary" href="/overview">
          Go to the overview
        </Link>
      </div>
    </div>
  );
}
