// The home page, a server component: who is signed in (auth() reads the
// database session through the adapter), with the custom `role` field.
import { auth } from "@/auth"
import { outboxEnabled } from "@/lib/outbox"

export const dynamic = "force-dynamic"

export default async function Home() {
  const session = await auth()
  const user = session?.user as
    | { id: string; email?: string | null; role?: string | null }
    | undefined
  return (
    <main>
      <h1>authkv example</h1>
      <p className="subtitle">
        Next.js App Router + Auth.js v5, database sessions stored in authkv
      </p>
      {user ? (
        <>
          <p id="status">
            Signed in as <strong>{user.email}</strong>
          </p>
          <table>
            <tbody>
              <tr>
                <th>User id</th>
                <td>
                  <code id="user-id">{user.id}</code>
                </td>
              </tr>
              <tr>
                <th>Email</th>
                <td id="user-email">{user.email}</td>
              </tr>
              <tr>
                <th>Role</th>
                <td>
                  <span className="role" id="user-role">
                    {user.role}
                  </span>
                </td>
              </tr>
            </tbody>
          </table>
          <a className="button" href="/api/auth/signout">
            Sign out
          </a>
        </>
      ) : (
        <>
          <p id="status">Not signed in.</p>
          <a className="button" href="/api/auth/signin">
            Sign in
          </a>
          {outboxEnabled() && (
            <a className="button secondary" href="/outbox">
              Open the outbox
            </a>
          )}
        </>
      )}
    </main>
  )
}
