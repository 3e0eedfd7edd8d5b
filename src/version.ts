/** The package version, kept in one place for --version, the API and exported files. */
export const VERSION = '0.1.0';
