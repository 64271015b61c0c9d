/** @type {import("next").NextConfig} */
const nextConfig = {
  // authkv loads libauthkv.so at run time (through koffi): keep both out of
  // the server bundle and require them from node_modules.
  serverExternalPackages: ["authkv", "koffi"],
  // The browser test also builds the app as a standalone server.
  output: process.env.NEXT_OUTPUT === "standalone" ? "standalone" : undefined,
}

export default nextConfig
