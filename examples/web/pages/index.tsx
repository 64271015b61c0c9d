// The home page: who is signed in (from the database session), with the
// custom `role` field, or a way to sign in.
import type { GetServerSideProps } from "next"
import Head from "next/head"
import { getServerSession } from "next-auth/next"
import { authOptions } from "../lib/auth"
import { outboxEnabled } from "../lib/outbox"

interface Props {
  user: {
    id: string
    email: string | null
    name: string | null
    role: string | null
  } | null
  outbox: boolean
}

export const getServerSideProps: GetServerSideProps<Props> = async ({
  req,
  res,
}) => {
  const session = await getServerSession(req, res, authOptions)
  const user = session?.user
  return {
    props: {
      user: user
        ? {
            id: user.id,
            email: user.email ?? null,
            name: user.name ?? null,
            role: user.role ?? null,
          }
        : null,
      outbox: outboxEnabled(),
    },
  }
}

export default function Home({ user, outbox }: Props) {
  return (
    <main>
      <Head>
        <title>authkv example</title>
      </Head>
      <h1>authkv example</h1>
      <p className="subtitle">
        Next.js + next-auth v4, database sessions stored in authkv
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
          {outbox && (
            <a className="button secondary" href="/outbox">
              Open the outbox
            </a>
          )}
        </>
      )}
    </main>
  )
}
