/** This host's version, sent in `middleware-init` and printed by `orbiplex --version`. */
export const HOST_VERSION = "0.1.0"
