// Says that a slow form is being worked on, so nobody sends it twice or gives up on a big file.
//
// A form opts in with data-progress. On submit its button is marked unavailable (aria-disabled, so it keeps
// focus and is still announced), a second submit is ignored, and a status message appears in the form's
// live region ([data-progress-status], present and empty from the start so screen readers announce it).
// The message is data-progress-message, or, for a form with a file, what is being checked: "Checking 10,000
// rows of council.csv… this can take up to a minute." Without JavaScript the page says beforehand how long a
// big file takes, and the form works as before.
const WHOLE_MINUTE_ROWS = 10000

function plural (n, word) {
  return n.toLocaleString('en-GB') + ' ' + word + (n === 1 ? '' : 's')
}

function size (bytes) {
  if (bytes < 1024 * 1024) return Math.max(1, Math.round(bytes / 1024)) + ' KB'
  return (bytes / (1024 * 1024)).toFixed(1) + ' MB'
}

// How many records a chosen file holds, when the browser can tell cheaply: CSV lines after the header,
// or the case studies in a JSON file. Spreadsheets (XLSX) are zipped, so they are described by size.
async function countRecords (file) {
  const name = file.name.toLowerCase()
  if (!name.endsWith('.csv') && !name.endsWith('.json')) return null
  const text = await file.text()
  if (name.endsWith('.json')) {
    try {
      const data = JSON.parse(text)
      const items = Array.isArray(data) ? data : data && data.case_studies
      return Array.isArray(items) ? { count: items.length, exact: true } : null
    } catch (error) {
      return null // the server says what is wrong with it
    }
  }
  let lines = 0
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lines++
  if (text.length && !text.endsWith('\n')) lines++
  // A quoted cell may hold line breaks, so with quotes the count is an estimate.
  return { count: Math.max(0, lines - 1), exact: !text.includes('"') }
}

function fileMessage (file, counted) {
  const wait = '… this can take up to a minute. Keep this page open.'
  if (counted) {
    const rows = (counted.exact ? '' : 'about ') + plural(counted.count, 'row')
    const quick = counted.count < WHOLE_MINUTE_ROWS / 10 ? '… this should take a few seconds.' : wait
    return 'Checking ' + rows + ' of ' + file.name + quick
  }
  return 'Checking ' + file.name + ' (' + size(file.size) + ')' + wait
}

function showProgress (form) {
  const status = form.querySelector('[data-progress-status]')
  const input = form.querySelector('input[type=file]')
  const file = input && input.files && input.files[0]
  let message = form.dataset.progressMessage
  if (!message && file) message = fileMessage(file, form.progressCount)
  if (!message) message = 'Working… this can take up to a minute. Keep this page open.'
  if (status) {
    const text = document.createElement('p')
    text.className = 'govuk-inset-text govuk-!-font-weight-bold govuk-!-margin-top-0'
    text.textContent = message
    status.replaceChildren(text)
  }
  for (const button of form.querySelectorAll('button[type=submit], button:not([type])')) {
    button.setAttribute('aria-disabled', 'true')
    button.classList.add('govuk-button--disabled')
  }
}

function reset (form) {
  form.progressSent = false
  const status = form.querySelector('[data-progress-status]')
  if (status) status.replaceChildren()
  for (const button of form.querySelectorAll('[aria-disabled=true]')) {
    button.removeAttribute('aria-disabled')
    button.classList.remove('govuk-button--disabled')
  }
}

for (const form of document.querySelectorAll('form[data-progress]')) {
  const input = form.querySelector('input[type=file]')
  if (input) {
    input.addEventListener('change', async () => {
      form.progressCount = null
      const file = input.files && input.files[0]
      if (!file) return
      try {
        form.progressCount = await countRecords(file)
      } catch (error) {
        form.progressCount = null // unreadable here: described by its size instead
      }
    })
  }
  form.addEventListener('submit', (event) => {
    if (form.progressSent) {
      event.preventDefault() // already on its way
      return
    }
    // Only a form the browser will send: an empty file field is the server's to explain.
    if (input && !(input.files && input.files.length)) return
    form.progressSent = true
    showProgress(form)
  })
}

// Back from the next page (the browser's page cache), the form is ready to send again.
window.addEventListener('pageshow', (event) => {
  if (event.persisted) for (const form of document.querySelectorAll('form[data-progress]')) reset(form)
})
