// Start GOV.UK Frontend's components (error summaries, details, tabs...) on every page.
import { initAll } from "../govuk/govuk-frontend.min.js";

initAll();
