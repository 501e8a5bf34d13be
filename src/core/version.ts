export const mintcaVersion = '0.1.0';
/** Reported where Vault reports its version; the Vault release whose API mintca follows comes first. */
export const reportedVersion = `1.15.0+mintca.${mintcaVersion}`;
