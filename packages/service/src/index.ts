/** The program service. The domain rules (pure functions over plain data) come first. */
export const SERVICE_PACKAGE = '@vacsrp/service';
