// BullMQ's sandboxed processor for the comparison: the same no-op add.
module.exports = async (job) => job.data.x + job.data.y;
