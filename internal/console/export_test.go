package console

// SetBeforeBatch sets a function called before each batch of an import
// job, with the job's account and the batch's number from 0, so tests can
// hold a job at a batch or change the store under it. Set it before any
// import starts.
func SetBeforeBatch(c *Console, f func(account int64, batch int)) { c.beforeBatch = f }
