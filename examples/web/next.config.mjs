/** @type {import("next").NextConfig} */
const nextConfig = {
  // authkv loads libauthkv.so at run time (through koffi): keep both out of
  // the server bundle and require them from node_modules.
  serverExternalPackages: ["authkv", "koffi"],
}

export default nextConfig
