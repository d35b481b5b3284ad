// `iamforge simulate`: one request from flags, or a JSON Lines file of cases (streamed).
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "commands.hpp"
#include "iamforge/base/strings.hpp"
#include "iamforge/policy/case_file.hpp"
#include "iamforge/policy/evaluator.hpp"
#include "iamforge/policy/validator.hpp"

namespace iamforge::cli {

namespace {

struct Loader {
  std::deque<policy::CompiledPolicy> owned;
  bool ok = true;

  const policy::CompiledPolicy* load(const std::string& path, policy::PolicyType type) {
    std::string text, err;
    if (!base::read_file(path, text, err)) {
      std::fprintf(stderr, "%s: error[io.unreadable]: cannot read: %s\n", path.c_str(), err.c_str());
      ok = false;
      return nullptr;
    }
    auto diags = policy::check(text, type);
    base::SourceFile src(path, text);
    bool bad = false;
    for (const auto& d : diags)
      if (d.severity == base::Severity::Error) {
        std::fputs((base::render_human(d, &src) + "\n").c_str(), stderr);
        bad = true;
      }
    if (bad) {
      ok = false;
      return nullptr;
    }
    policy::ParseResult r = policy::parse(text, type);
    owned.emplace_back(r.policy, type, path);
    return &owned.back();
  }
};

std::string type_results_json(const policy::Verdict& v) {
  std::string s = "{";
  auto add = [&](const char* k, policy::TypeResult r, bool first = false) {
    if (!first) s += ",";
    s += "\"" + std::string(k) + "\":\"" + std::string(policy::to_string(r)) + "\"";
  };
  add("identity", v.identity, true);
  add("resource", v.resource);
  add("boundary", v.boundary);
  add("session", v.session);
  add("scp", v.scp);
  add("rcp", v.rcp);
  return s + "}";
}

std::string verdict_json(const policy::Verdict& v) {
  std::string s = "{\"decision\":\"" + std::string(policy::to_string(v.decision)) + "\",\"reason\":" + base::json_string(v.reason) +
                  ",\"same_account\":" + (v.same_account ? "true" : "false") + ",\"policy_types\":" + type_results_json(v) +
                  ",\"deciding_statements\":[";
  for (size_t i = 0; i < v.deciding.size(); ++i) {
    const auto& r = v.deciding[i];
    s += (i ? "," : "") + std::string("{\"policy\":") + base::json_string(r.policy) + ",\"type\":\"" +
         std::string(policy::to_string(r.type)) + "\",\"index\":" + std::to_string(r.index) +
         ",\"sid\":" + base::json_string(r.sid) + ",\"effect\":\"" + (r.effect == policy::Effect::Allow ? "Allow" : "Deny") + "\"}";
  }
  s += "],\"missing_context_keys\":[";
  for (size_t i = 0; i < v.missing_context_keys.size(); ++i)
    s += (i ? "," : "") + base::json_string(v.missing_context_keys[i]);
  return s + "]}";
}

// One block of input lines (views into the chunks of input they were read from, which the block
// keeps alive), decided by a worker; output and tallies are merged in input order.
struct Block {
  std::vector<std::shared_ptr<const char[]>> chunks;
  std::vector<std::string_view> lines;  ///< without their newlines
  // A block is decided before the number of its first line is known (RangeRun's threads find
  // their own ranges): the "line N" of a bad line counts from the block's start, and write_block()
  // adds the lines written before it.
  struct LineRef {
    size_t at, digits, line;  ///< N's offset in `out`, its length, and its value
  };
  std::vector<LineRef> line_refs;
  size_t nlines = 0;
  std::string out, disagreements;
  size_t cases = 0, errors = 0, compared = 0, agree = 0;
};

// `doc` is the calling thread's, reused line after line: once warm, parsing allocates nothing.
void decide_block(Block& b, bool check_expected, json::Document& doc) {
  std::string id, err;
  std::vector<base::Diagnostic> diags;
  size_t lineno = 0;  // within the block
  for (std::string_view line : b.lines) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    ++b.cases;
    diags.clear();
    const bool bad_json = !doc.parse(line, diags) || base::has_error(diags);
    std::optional<policy::Case> c;
    id.clear();
    if (bad_json) {
      err = "line " + std::to_string(lineno) + ": " + (diags.empty() ? "invalid JSON" : diags[0].message);
    } else {
      // Each case is decided once, and only its decision is printed: no action index, and only
      // the statements that can apply to the case's action are compiled.
      c = policy::case_from_json(doc.root(), line, id, err, policy::ActionIndex::Skip, nullptr,
                                 policy::Prune::ToAction);
    }
    b.out += "{\"id\":";
    if (id.empty()) b.out += "null"; else base::append_json_string(b.out, id);
    if (!c) {
      ++b.errors;
      b.out += ",\"error\":";
      if (bad_json)  // the message starts "line N: " (after the JSON string's quote)
        b.line_refs.push_back({b.out.size() + 6, std::to_string(lineno).size(), lineno});
      base::append_json_string(b.out, err);
      b.out += "}\n";
      continue;
    }
    policy::Verdict v = policy::evaluate(c->set, c->request, policy::Explain::No);
    std::string_view d = policy::to_string(v.decision);
    b.out += ",\"decision\":\"";
    b.out += d;
    b.out += "\"}\n";
    if (check_expected && !c->expected.empty()) {
      ++b.compared;
      if (c->expected == d) ++b.agree;
      else b.disagreements += "disagree " + c->id + ": expected " + c->expected + ", got " + std::string(d) + "\n";
    }
  }
  b.nlines = b.lines.size();
  b.lines = {};
  b.chunks = {};
}

// A fixed set of threads deciding blocks in the order they are submitted (each thread keeps its
// own warm Document and allocator cache, instead of a thread started per block).
class Workers {
 public:
  Workers(size_t n, bool check_expected) : check_(check_expected) {
    for (size_t i = 0; i < n; ++i) threads_.emplace_back([this] { loop(); });
  }
  ~Workers() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  std::future<void> submit(Block* b) {
    std::promise<void> done;
    std::future<void> f = done.get_future();
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.emplace_back(b, std::move(done));
    }
    cv_.notify_one();
    return f;
  }

 private:
  void loop() {
    json::Document doc;
    for (;;) {
      std::pair<Block*, std::promise<void>> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, nothing left
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      try {
        decide_block(*job.first, check_, doc);
        job.second.set_value();
      } catch (...) {
        job.second.set_exception(std::current_exception());
      }
    }
  }

  bool check_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<Block*, std::promise<void>>> queue_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

// Splits a stream that is not a regular file (a pipe, a terminal) into blocks of whole lines. It
// is read in large chunks that blocks point into (no copy per line, as std::getline would make,
// and no zero-filling as std::string::resize would do); a line cut by a chunk's end is carried to
// the start of the next chunk, which grows if a line is longer than a chunk. Reads take what is
// there (read(2)), so a pipe fed line by line is answered as its lines arrive: a block ends early
// when the input has nothing more for now (drained()). Lines are as std::getline gives them: split
// at '\n', a last line without one included. (Regular files are read by RangeRun.)
class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) {
    // A pipe's buffer holds 64 KB by default: its writer would wake us every 64 KB. Ask for a
    // chunk's worth (refused above /proc/sys/fs/pipe-max-size, 1 MB by default: harmless).
    (void)::fcntl(fd_, F_SETPIPE_SZ, static_cast<int>(kChunk));
  }

  // Fills `b` with up to `max_lines` lines; false when the input is exhausted (b has none).
  bool next(Block& b, size_t max_lines) {
    b.lines.clear();
    while (b.lines.size() < max_lines) {
      const char* base = chunk_.get();
      const void* nl = size_ > head_ ? std::memchr(base + head_, '\n', size_ - head_) : nullptr;
      if (nl) {
        size_t e = static_cast<size_t>(static_cast<const char*>(nl) - base);
        take_line(b, e, e + 1);
        continue;
      }
      if (eof_) {
        if (head_ < size_) take_line(b, size_, size_);
        break;
      }
      // Answer what we have before waiting for more; but while more is already waiting (a pipe
      // hands over at most its buffer per read), blocks stay full, so `zcat cases.gz |` is
      // decided in parallel blocks, not block by block as if typed.
      drained_ = !b.lines.empty() && !more_waiting();
      if (drained_) break;
      refill();
    }
    return !b.lines.empty();
  }
  // The last block ended early: the input had nothing more for now (a pipe whose writer waits).
  bool drained() const { return drained_ && !eof_; }
  // A read error (errno), 0 when none.
  int error() const { return error_; }
 private:
  static constexpr size_t kChunk = 1 << 20;

  void take_line(Block& b, size_t end, size_t next) {
    if (b.chunks.empty() || b.chunks.back() != chunk_) b.chunks.push_back(chunk_);
    b.lines.emplace_back(chunk_.get() + head_, end - head_);
    head_ = next;
  }

  // Reads into the free end of the current chunk (lines already handed out sit before it and are
  // never written), or into a new chunk that starts with the current one's unfinished line.
  void refill() {
    if (!chunk_ || size_ == cap_) {
      size_t carry = size_ - head_;
      size_t cap = std::max(kChunk, 2 * carry);
      std::shared_ptr<char[]> fresh = spare(cap);
      if (!fresh) fresh.reset(new char[cap]);  // not value-initialized: read() overwrites it
      if (carry) std::memcpy(fresh.get(), chunk_.get() + head_, carry);
      if (chunk_ && cap_ == kChunk) {  // kept for reuse once no block points into it
        if (spares_.size() == kSpares) spares_.erase(spares_.begin());
        spares_.push_back(std::move(chunk_));
      }
      chunk_ = std::move(fresh);
      head_ = 0;
      size_ = carry;
      cap_ = cap;
    }
    ssize_t got;
    do got = ::read(fd_, chunk_.get() + size_, cap_ - size_);
    while (got < 0 && errno == EINTR);
    if (got <= 0) {
      eof_ = true;
      if (got < 0) error_ = errno;
      return;
    }
    size_ += static_cast<size_t>(got);
  }

  // A chunk of kChunk bytes that no block points into any more (decided blocks drop their
  // chunks), when `cap` is kChunk; null otherwise. Reusing them spares a new chunk's page faults:
  // 10-14 us each on these virtual machines, ~3 ms per fresh 1 MB chunk.
  std::shared_ptr<char[]> spare(size_t cap) {
    if (cap != kChunk) return nullptr;
    for (auto it = spares_.begin(); it != spares_.end(); ++it)
      if (it->use_count() == 1) {
        // The last other owner let go with a release decrement; this fence orders its reads of
        // the chunk before the read() that overwrites it.
        std::atomic_thread_fence(std::memory_order_acquire);
        std::shared_ptr<char[]> c = std::move(*it);
        spares_.erase(it);
        return c;
      }
    return nullptr;
  }

  bool more_waiting() const {
    struct pollfd p = {fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
  }

  int fd_;
  std::shared_ptr<char[]> chunk_;
  static constexpr size_t kSpares = 8;            // 2 x jobs blocks in flight point into a few chunks
  std::vector<std::shared_ptr<char[]>> spares_;  // earlier chunks, reused by spare()
  size_t head_ = 0, size_ = 0, cap_ = 0;  // unconsumed bytes of chunk_: [head_, size_) of cap_
  bool eof_ = false, drained_ = false;
  int error_ = 0;
};

// Totals of a batch run, and the writing of decided blocks in input order.
struct Tally {
  size_t cases = 0, errors = 0, compared = 0, agree = 0, lines = 0;
  // Writes `b` (its bad lines' numbers counted on from `lines`, the lines written before it) and
  // adds it up.
  void write_block(Block& b) {
    for (auto r = b.line_refs.rbegin(); r != b.line_refs.rend(); ++r)  // (from the end: offsets stay valid)
      b.out.replace(r->at, r->digits, std::to_string(lines + r->line));
    std::fwrite(b.out.data(), 1, b.out.size(), stdout);
    if (!b.disagreements.empty()) std::fputs(b.disagreements.c_str(), stderr);
    cases += b.cases;
    errors += b.errors;
    compared += b.compared;
    agree += b.agree;
    lines += b.nlines;
  }
};

// A regular file decided by `jobs` threads that take ranges of it themselves, so no thread hands
// out work or waits for each block. Range k holds the lines that start in bytes
// [k * kRange, (k + 1) * kRange); its thread reads them with pread(2) into a buffer of its own,
// reused range after range. The thread that finishes the range next in input order writes it, and
// any finished ones after it. A thread does not start a range more than 4 x jobs ranges past the
// next one to write (ahead()), so memory stays bounded whatever the file's size. With one job the
// calling thread does the work.
// (With two threads on this project's 2-vCPU machines, a reader thread handing out blocks cost
// about a hundred futex wake-ups, each an interprocessor interrupt that preempts a worker. And
// reading beats mapping: a first touch of a mapped page faults, ~12 us each on these virtual
// machines, 7-10 ms for the visible corpus, against 1.5 ms to copy it into a warm buffer.)
class RangeRun {
 public:
  RangeRun(int fd, size_t len, size_t jobs, bool check, Tally& tally)
      : fd_(fd), len_(len), jobs_(jobs), check_(check), tally_(tally) {}

  // False when the file could not be read to its end (error() says why: errno, or 0 when it was
  // cut short while it was read).
  bool run() {
    if (jobs_ <= 1) {
      work();
    } else {
      std::vector<std::thread> threads;
      for (size_t i = 0; i < jobs_; ++i) threads.emplace_back([this] { work(); });
      for (auto& t : threads) t.join();
    }
    if (error_) std::rethrow_exception(error_);
    return !failed_;
  }
  int error() const { return errno_; }

 private:
  static constexpr size_t kRange = 256 << 10, kMore = 64 << 10;
  size_t ahead() const { return 4 * jobs_; }

  struct Buffer {
    std::unique_ptr<char[]> data;  // not value-initialized: pread() overwrites it
    size_t cap = 0, size = 0;
  };

  // Appends the file's bytes [at, at + n) to `b`; false on a read error or a short read (the file
  // shrank: it ends before len_).
  bool read(Buffer& b, size_t at, size_t n) {
    if (b.size + n > b.cap) {
      size_t cap = std::max(b.size + n, 2 * b.cap);
      std::unique_ptr<char[]> grown(new char[cap]);
      if (b.size) std::memcpy(grown.get(), b.data.get(), b.size);
      b.data = std::move(grown);
      b.cap = cap;
    }
    while (n > 0) {
      ssize_t got = ::pread(fd_, b.data.get() + b.size, n, static_cast<off_t>(at));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        fail(got < 0 ? errno : 0);
        return false;
      }
      b.size += static_cast<size_t>(got);
      at += static_cast<size_t>(got);
      n -= static_cast<size_t>(got);
    }
    return true;
  }

  void fail(int err) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!failed_) errno_ = err;
    failed_ = true;
    cv_.notify_all();
  }

  // Fills `blk` with the lines of range k, read into `buf`; false on a read failure.
  bool take_range(size_t k, Buffer& buf, Block& blk) {
    const size_t begin = k * kRange, end = std::min(len_, begin + kRange);
    const size_t from = begin ? begin - 1 : 0;  // with the byte before: does a line start at `begin`?
    buf.size = 0;
    if (!read(buf, from, end - from)) return false;
    size_t first = 0;  // the range's first line start, as an offset in buf
    if (begin) {
      const void* nl = std::memchr(buf.data.get(), '\n', buf.size);
      first = nl ? static_cast<size_t>(static_cast<const char*>(nl) - buf.data.get()) + 1 : buf.size;
    }
    if (from + first >= end) return true;  // no line starts in this range
    // The last line that starts in the range ends at the first newline at or after end - 1.
    size_t scan = buf.size - 1, stop = buf.size;
    for (;;) {
      if (const void* nl = std::memchr(buf.data.get() + scan, '\n', buf.size - scan)) {
        stop = static_cast<size_t>(static_cast<const char*>(nl) - buf.data.get()) + 1;
        break;
      }
      if (from + buf.size >= len_) {
        stop = buf.size;
        break;
      }
      scan = buf.size;
      if (!read(buf, from + buf.size, std::min(kMore, len_ - from - buf.size))) return false;
    }
    const char* d = buf.data.get();
    for (size_t at = first; at < stop;) {
      const void* nl = std::memchr(d + at, '\n', stop - at);
      size_t e = nl ? static_cast<size_t>(static_cast<const char*>(nl) - d) : stop;
      blk.lines.emplace_back(d + at, e - at);
      at = nl ? e + 1 : stop;
    }
    return true;
  }

  void work() {
    json::Document doc;
    Buffer buf;
    for (;;) {
      const size_t k = next_.fetch_add(1);
      if (k * kRange >= len_) return;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return k < next_out_ + ahead() || error_ || failed_; });
        if (error_ || failed_) return;
      }
      auto b = std::make_unique<Block>();
      if (!take_range(k, buf, *b)) return;
      try {
        decide_block(*b, check_, doc);  // done with buf's bytes when it returns
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu_);
        if (!error_) error_ = std::current_exception();
        cv_.notify_all();
        return;
      }
      std::lock_guard<std::mutex> lock(mu_);
      if (failed_) return;  // nothing after a range that could not be read is written
      done_.emplace(k, std::move(b));
      bool wrote = false;
      for (auto it = done_.find(next_out_); it != done_.end(); it = done_.find(next_out_)) {
        tally_.write_block(*it->second);
        done_.erase(it);
        ++next_out_;
        wrote = true;
      }
      if (wrote) cv_.notify_all();
    }
  }

  int fd_;
  size_t len_, jobs_;
  bool check_;
  Tally& tally_;
  std::atomic<size_t> next_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<size_t, std::unique_ptr<Block>> done_;  // decided, waiting for an earlier range
  size_t next_out_ = 0;
  std::exception_ptr error_;
  bool failed_ = false;
  int errno_ = 0;
};

int run_batch(const SimulateOptions& o) {
  std::FILE* in = stdin;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, &std::fclose);
  if (o.cases != "-") {
    file.reset(std::fopen(o.cases.c_str(), "rb"));
    if (!file) {
      std::fprintf(stderr, "%s: error[io.unreadable]: cannot open the cases file\n", o.cases.c_str());
      return kExitFindings;
    }
    in = file.get();
  }
  // A read error (errno) after the cases decided so far were written.
  auto unreadable = [&](int err) {
    std::fprintf(stderr, "%s: error[io.unreadable]: %s\n", o.cases.c_str(), std::strerror(err));
    return kExitFindings;
  };
  auto t0 = std::chrono::steady_clock::now();
  // Streaming with bounded memory: a regular file in ranges of 256 KB, at most 4 x jobs of them in
  // flight (RangeRun); other input in blocks of kBlock lines, at most 2 x jobs in flight; written
  // in input order.
  constexpr size_t kBlock = 64;
  const size_t jobs = o.jobs > 0 ? o.jobs : std::max(1u, std::thread::hardware_concurrency());
  const int fd = fileno(in);
  Tally tally;
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    RangeRun run(fd, static_cast<size_t>(st.st_size), jobs, o.check_expected, tally);
    const bool read_all = run.run();
    std::fflush(stdout);
    if (!read_all) {
      if (run.error()) return unreadable(run.error());
      std::fprintf(stderr, "%s: error[io.truncated]: the cases file was truncated while it was read\n",
                   o.cases.c_str());
      return kExitFindings;
    }
  } else {
    std::deque<std::pair<std::unique_ptr<Block>, std::future<void>>> inflight;
    LineReader reader(fd);
    auto retire = [&] {
      auto& [blk, fut] = inflight.front();
      fut.get();
      tally.write_block(*blk);
      inflight.pop_front();
    };
    json::Document doc;  // for jobs == 1: blocks are decided on this thread
    std::unique_ptr<Workers> workers;
    if (jobs > 1) workers = std::make_unique<Workers>(jobs, o.check_expected);
    for (;;) {  // blocks of lines read here, decided here (-j 1) or by the workers
      auto blk = std::make_unique<Block>();
      if (!reader.next(*blk, kBlock)) break;
      std::future<void> fut;
      if (workers) {
        fut = workers->submit(blk.get());
      } else {
        decide_block(*blk, o.check_expected, doc);
        std::promise<void> done;
        fut = done.get_future();
        done.set_value();
      }
      inflight.emplace_back(std::move(blk), std::move(fut));
      if (inflight.size() >= 2 * jobs) retire();
      if (reader.drained()) {  // the input is waiting on its writer: answer everything read so far
        while (!inflight.empty()) retire();
        std::fflush(stdout);
      }
    }
    while (!inflight.empty()) retire();
    std::fflush(stdout);
    if (reader.error()) return unreadable(reader.error());
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "cases: %zu, errors: %zu, seconds: %.3f, decisions/s: %.0f, jobs: %zu\n", tally.cases,
               tally.errors, secs, secs > 0 ? static_cast<double>(tally.cases) / secs : 0.0, jobs);
  if (o.check_expected)
    std::fprintf(stderr, "agreement: %zu/%zu (%.2f%%)\n", tally.agree, tally.compared,
                 tally.compared ? 100.0 * tally.agree / tally.compared : 100.0);
  return kExitOk;
}

}  // namespace

int run_simulate(const SimulateOptions& o) {
  if (!o.cases.empty()) return run_batch(o);
  Loader L;
  policy::PolicySet set;
  for (const auto& f : o.policies) set.identity.push_back(L.load(f, policy::PolicyType::Inline));
  if (!o.resource_policy.empty()) set.resource = L.load(o.resource_policy, policy::PolicyType::Resource);
  if (!o.boundary.empty()) set.boundaries.push_back(L.load(o.boundary, policy::PolicyType::Boundary));
  if (!o.session_policy.empty()) set.session.push_back(L.load(o.session_policy, policy::PolicyType::Session));
  auto levels = [&](const std::vector<std::string>& specs, policy::PolicyType t) {
    std::vector<std::vector<const policy::CompiledPolicy*>> out;
    for (const auto& spec : specs) {
      std::vector<const policy::CompiledPolicy*> lv;
      for (auto f : base::split(spec, ',')) lv.push_back(L.load(std::string(f), t));
      out.push_back(std::move(lv));
    }
    return out;
  };
  set.scp_levels = levels(o.scps, policy::PolicyType::Scp);
  set.rcp_levels = levels(o.rcps, policy::PolicyType::Rcp);
  if (!L.ok) return kExitFindings;

  policy::Request req;
  req.principal = o.principal;
  req.action = o.action;
  req.resource = o.resource.empty() ? "*" : o.resource;
  req.resource_account = o.resource_account;
  // Repeated keys make a multivalued key; `key=[]` an empty one; `key=[a,b]` a list.
  std::vector<std::pair<std::string, std::vector<std::string>>> ctx;
  std::vector<bool> multi;
  for (const auto& kv : o.context) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "iamforge simulate: error: --context expects key=value, got `%s`\n", kv.c_str());
      return kExitUsage;
    }
    std::string key = kv.substr(0, eq), val = kv.substr(eq + 1);
    std::vector<std::string> vals;
    bool list = val.size() >= 2 && val.front() == '[' && val.back() == ']';
    if (list) {
      std::string inner = val.substr(1, val.size() - 2);
      if (!inner.empty())
        for (auto p : base::split(inner, ',')) vals.emplace_back(p);
    } else {
      vals.push_back(val);
    }
    bool found = false;
    for (size_t i = 0; i < ctx.size(); ++i)
      if (base::iequals(ctx[i].first, key)) {
        ctx[i].second.insert(ctx[i].second.end(), vals.begin(), vals.end());
        multi[i] = true;
        found = true;
      }
    if (!found) {
      ctx.push_back({key, vals});
      multi.push_back(list);
    }
  }
  for (size_t i = 0; i < ctx.size(); ++i) req.context.set(ctx[i].first, ctx[i].second, multi[i]);

  policy::Verdict v = policy::evaluate(set, req, policy::Explain::Yes);
  if (o.format == "json") {
    std::puts(verdict_json(v).c_str());
    return kExitOk;
  }
  std::printf("decision: %s\n", std::string(policy::to_string(v.decision)).c_str());
  if (!v.reason.empty()) std::printf("reason:   %s\n", v.reason.c_str());
  for (const auto& r : v.deciding)
    std::printf("  %s %s statement #%u%s%s\n", r.effect == policy::Effect::Allow ? "allow" : "deny ",
                std::string(policy::to_string(r.type)).c_str(), r.index, r.sid.empty() ? "" : (" (" + r.sid + ")").c_str(),
                (" in " + r.policy).c_str());
  std::printf("policy types: identity=%s resource=%s boundary=%s session=%s scp=%s rcp=%s\n",
              std::string(policy::to_string(v.identity)).c_str(), std::string(policy::to_string(v.resource)).c_str(),
              std::string(policy::to_string(v.boundary)).c_str(), std::string(policy::to_string(v.session)).c_str(),
              std::string(policy::to_string(v.scp)).c_str(), std::string(policy::to_string(v.rcp)).c_str());
  if (!v.missing_context_keys.empty()) {
    std::string keys;
    for (const auto& k : v.missing_context_keys) keys += (keys.empty() ? "" : ", ") + k;
    std::printf("missing context keys: %s\n", keys.c_str());
  }
  return kExitOk;
}

}  // namespace iamforge::cli
