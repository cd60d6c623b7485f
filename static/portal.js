// Start GOV.UK Frontend's components; the pages work without this.
import { initAll } from './govuk/govuk-frontend.min.js'

initAll()
