/** @type {import('next').NextConfig} */
module.exports = {
  reactStrictMode: true,
  // one build ID per release instead of a random one per build, so that two builds of the same
  // source serve the same pages (and asset URLs)
  generateBuildId: async () => process.env.BUILD_ID || "tide-tables",
};
