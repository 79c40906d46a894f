/** The scanner's version, reported in every scan report; a test keeps it equal to package.json. */
export const VERSION = '0.1.0';
