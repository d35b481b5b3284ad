// `iamforge simulate`: one request from flags, or a JSON Lines file of cases (streamed).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
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
  const char* end = nullptr;            ///< past the last line (kept once `lines` is dropped)
  // A block is decided before the number of its first line is known (MappedRun's threads find
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
  if (!b.lines.empty()) b.end = b.lines.back().data() + b.lines.back().size();
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

// Splits a stream into blocks of whole lines. A regular file is mapped (no copy into our memory;
// pages that every retired block is past are dropped with release(), so resident memory stays that
// of the blocks in flight whatever the file's size). Any other input (a pipe, a terminal) is read
// in large chunks that blocks point into (no copy per line, as std::getline would make, and no
// zero-filling as std::string::resize would do); a line cut by a chunk's end is carried to the
// start of the next chunk, which grows if a line is longer than a chunk. Reads take what is there
// (read(2)), so a pipe fed line by line is answered as its lines arrive: a block ends early when
// the input has nothing more for now (drained()). Lines are as std::getline gives them: split at
// '\n', a last line without one included.
class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) {
    map();
    // A pipe's buffer holds 64 KB by default: its writer would wake us every 64 KB. Ask for a
    // chunk's worth (refused above /proc/sys/fs/pipe-max-size, 1 MB by default: harmless).
    if (!mapped_) (void)::fcntl(fd_, F_SETPIPE_SZ, static_cast<int>(kChunk));
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
  // A mapped file: all of it (next() is then not needed).
  bool mapped() const { return mapped_; }
  const char* mapped_data() const { return chunk_.get(); }
  size_t mapped_size() const { return size_; }
  // Every line that ends before `end` has been decided and written: a mapped file's whole pages
  // before it are given back (they are re-read from the page cache if ever touched again).
  void release(const char* end) {
    if (!mapped_ || !end) return;
    const auto page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t upto = static_cast<size_t>(end - chunk_.get()) / page * page;
    if (upto > released_ + kRelease) {
      ::madvise(const_cast<char*>(chunk_.get()) + released_, upto - released_, MADV_DONTNEED);
      released_ = upto;
    }
  }

 private:
  static constexpr size_t kChunk = 1 << 20, kRelease = 8 << 20;

  // A mapped file cut short by another process while we read it raises SIGBUS on the lost pages:
  // one clear error and the findings exit code instead of a crash.
  static void on_sigbus(int) {
    static const char msg[] = "error[io.truncated]: the cases file was truncated while it was read\n";
    ssize_t ignored = ::write(2, msg, sizeof msg - 1);
    (void)ignored;
    ::_exit(kExitFindings);
  }

  // A non-empty regular file is read through one read-only mapping.
  void map() {
    struct stat st;
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) return;
    const auto len = static_cast<size_t>(st.st_size);
    void* m = ::mmap(nullptr, len, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (m == MAP_FAILED) return;  // read it instead
    ::madvise(m, len, MADV_SEQUENTIAL);
    struct sigaction sa = {};
    sa.sa_handler = &on_sigbus;
    ::sigaction(SIGBUS, &sa, nullptr);
    chunk_ = std::shared_ptr<char[]>(static_cast<char*>(m), [len](char* p) { ::munmap(p, len); });
    size_ = cap_ = len;
    eof_ = mapped_ = true;
  }

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
      std::shared_ptr<char[]> fresh(new char[cap]);  // not value-initialized: read() overwrites it
      if (carry) std::memcpy(fresh.get(), chunk_.get() + head_, carry);
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

  bool more_waiting() const {
    struct pollfd p = {fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
  }

  int fd_;
  std::shared_ptr<char[]> chunk_;
  size_t head_ = 0, size_ = 0, cap_ = 0;  // unconsumed bytes of chunk_: [head_, size_) of cap_
  bool eof_ = false, drained_ = false, mapped_ = false;
  size_t released_ = 0;  // mapped: bytes [0, released_) given back
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

// A mapped file decided by `jobs` threads that take ranges of it themselves, so no thread hands
// out work or waits for each block: the main thread only starts and joins them. Range k holds the
// lines that start in bytes [k * kRange, (k + 1) * kRange). The thread that finishes the range next
// in input order writes it, and any finished ones after it. A thread does not start a range more
// than 4 x jobs ranges past the next one to write (ahead()), so memory stays bounded.
// (With two threads on this project's 2-vCPU machines, a reader thread handing out blocks cost
// about a hundred futex wake-ups, each an interprocessor interrupt that preempts a worker.)
class MappedRun {
 public:
  MappedRun(const char* data, size_t len, size_t jobs, bool check, LineReader& reader, Tally& tally)
      : data_(data), len_(len), jobs_(jobs), check_(check), reader_(reader), tally_(tally) {}

  void run() {
    std::vector<std::thread> threads;
    for (size_t i = 0; i < jobs_; ++i) threads.emplace_back([this] { work(); });
    for (auto& t : threads) t.join();
    if (error_) std::rethrow_exception(error_);
  }

 private:
  static constexpr size_t kRange = 256 << 10;
  size_t ahead() const { return 4 * jobs_; }

  // The first line start at or after `p` (0, or just past a newline; len_ when none).
  size_t line_start(size_t p) const {
    if (p == 0) return 0;
    if (p >= len_) return len_;
    const void* nl = std::memchr(data_ + p - 1, '\n', len_ - p + 1);
    return nl ? static_cast<size_t>(static_cast<const char*>(nl) - data_) + 1 : len_;
  }

  void work() {
    json::Document doc;
    for (;;) {
      const size_t k = next_.fetch_add(1);
      if (k * kRange >= len_) return;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return k < next_out_ + ahead() || error_; });
        if (error_) return;
      }
      auto b = std::make_unique<Block>();
      for (size_t at = line_start(k * kRange), end = line_start((k + 1) * kRange); at < end;) {
        const void* nl = std::memchr(data_ + at, '\n', end - at);
        size_t e = nl ? static_cast<size_t>(static_cast<const char*>(nl) - data_) : end;
        b->lines.emplace_back(data_ + at, e - at);
        at = nl ? e + 1 : end;
      }
      try {
        decide_block(*b, check_, doc);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu_);
        if (!error_) error_ = std::current_exception();
        cv_.notify_all();
        return;
      }
      std::lock_guard<std::mutex> lock(mu_);
      done_.emplace(k, std::move(b));
      bool wrote = false;
      for (auto it = done_.find(next_out_); it != done_.end(); it = done_.find(next_out_)) {
        tally_.write_block(*it->second);
        reader_.release(it->second->end);
        done_.erase(it);
        ++next_out_;
        wrote = true;
      }
      if (wrote) cv_.notify_all();
    }
  }

  const char* data_;
  size_t len_, jobs_;
  bool check_;
  LineReader& reader_;
  Tally& tally_;
  std::atomic<size_t> next_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<size_t, std::unique_ptr<Block>> done_;  // decided, waiting for an earlier range
  size_t next_out_ = 0;
  std::exception_ptr error_;
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
  auto t0 = std::chrono::steady_clock::now();
  // Streaming with bounded memory: blocks of kBlock lines (or, mapped, ranges of 256 KB), at most
  // 2 x jobs (4 x jobs) of them in flight, written in input order.
  constexpr size_t kBlock = 64;
  const size_t jobs = o.jobs > 0 ? o.jobs : std::max(1u, std::thread::hardware_concurrency());
  std::deque<std::pair<std::unique_ptr<Block>, std::future<void>>> inflight;
  Tally tally;
  LineReader reader(fileno(in));
  auto retire = [&] {
    auto& [blk, fut] = inflight.front();
    fut.get();
    tally.write_block(*blk);
    reader.release(blk->end);
    inflight.pop_front();
  };
  json::Document doc;  // for jobs == 1: blocks are decided on this thread
  std::unique_ptr<Workers> workers;
  const bool pull = jobs > 1 && reader.mapped();  // a mapped file: the threads take ranges themselves
  if (pull) MappedRun(reader.mapped_data(), reader.mapped_size(), jobs, o.check_expected, reader, tally).run();
  else if (jobs > 1) workers = std::make_unique<Workers>(jobs, o.check_expected);
  while (!pull) {  // otherwise: blocks of lines read here, decided here (-j 1) or by the workers
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
  if (reader.error()) {
    std::fprintf(stderr, "%s: error[io.unreadable]: %s\n", o.cases.c_str(), std::strerror(reader.error()));
    return kExitFindings;
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
