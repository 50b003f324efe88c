/** Alerts: a connection's rules, and what they fired. */
export const alertsMethods = {} as const;
