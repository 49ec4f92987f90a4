# frozen_string_literal: true

# Test hooks for ninix-aya 5.0.9, loaded before ninix with
# RUBYOPT="-r.../ruby3_shim.rb -r.../zabitan_hooks.rb" by tests/peers/ninix/start.
# No package file is edited; everything is done by prepending modules.
#
# 1. SSTP port. ninix hard-codes TCP 9801 on all IPv4 interfaces
#    (ninix_main.rb: sstp_port = [9801]; --sstp-port only ADDS a port). When
#    ZABITAN_NINIX_PORT is set, the TCPServer that SSTP::SSTPServer.new(9801) creates is
#    bound to ZABITAN_NINIX_BIND (default 127.0.0.1):ZABITAN_NINIX_PORT instead, so
#    several test peers can run side by side and none is reachable from the network.
#
# 2. Trace. When ZABITAN_NINIX_TRACE names a file, one JSON object per line is appended:
#      {"ev":"listen","port":P,"bind":B}            the SSTP socket is open
#      {"ev":"listen_error","port":P,"error":"..."}  binding failed (port taken)
#      {"ev":"recv","request":"SEND SSTP/1.4","sender":"...","peer":"127.0.0.1",
#       "scripts":[["",SCRIPT]],"event":null}        an SSTP request ninix accepted
#      {"ev":"response","request":"...","code":200}  every status line ninix wrote
#      {"ev":"script","origin":"sstp"|"ghost","script":"..."}  a script starts playing
#      {"ev":"marker","sender":"...","host":"..."}   the "sender (host)" SSTP marker
#      {"ev":"tag","fn":"__yen_e","args":[...]}      a SakuraScript tag is executed
#      {"ev":"text","side":0,"text":"...","newline":false}  text handed to a balloon
#      {"ev":"clear","side":null} / {"ev":"hide"}    the balloon is cleared / hidden
#    Every record also has "t" (Unix time). tests/peers/ninix/last-script reads it.
#    Strings are what ninix holds after decoding the request's Charset, as UTF-8.
#
# 3. Console. ninix opens its log console window at boot; it is closed again as soon as
#    ninix has found its ghost and balloon (ZABITAN_NINIX_HIDE_CONSOLE=0 keeps it), so
#    screenshots show only the ghost. If something is missing it stays open and says so.
require 'json'
require 'socket'

module ZabitanNinixHooks
  PORT = ENV.fetch('ZABITAN_NINIX_PORT', '')
  BIND = ENV.fetch('ZABITAN_NINIX_BIND', '127.0.0.1')
  TRACE = ENV.fetch('ZABITAN_NINIX_TRACE', '')
  NINIX_DEFAULT_SSTP_PORT = 9801
  FROM_SSTP_CLIENT = 1 # Sakura::Sakura::FROM_SSTP_CLIENT in sakura.rb

  @lock = Mutex.new
  @io = nil
  @newline_depth = 0

  class << self
    attr_accessor :newline_depth

    def utf8(str)
      s = str.to_s.dup
      s.force_encoding(Encoding::UTF_8) if s.encoding == Encoding::ASCII_8BIT
      s = s.encode(Encoding::UTF_8, invalid: :replace, undef: :replace) unless s.encoding == Encoding::UTF_8
      s.scrub("\uFFFD")
    end

    def plain(value)
      case value
      when String then utf8(value)
      when Symbol then value.to_s
      when Array then value.map { |v| plain(v) }
      when Hash then value.to_h { |k, v| [utf8(k), plain(v)] }
      when Integer, Float, true, false, nil then value
      else utf8(value.to_s)
      end
    end

    def trace(event, fields = {})
      return if TRACE.empty?

      record = { 't' => Time.now.to_f.round(3), 'ev' => event }
      fields.each { |k, v| record[k.to_s] = plain(v) }
      line = "#{JSON.generate(record)}\n"
      @lock.synchronize do
        if @io.nil?
          @io = File.open(TRACE, 'a')
          @io.sync = true
        end
        @io.write(line)
      end
    rescue StandardError => e
      warn "zabitan_hooks: cannot write trace #{TRACE}: #{e.class}: #{e.message}"
    end

    # SakuraScript tag arguments are lists of [type, text] chunks (script.rb).
    def tag_args(args)
      Array(args).map do |arg|
        if arg.is_a?(Array)
          arg.map { |chunk| chunk.is_a?(Array) ? chunk[1].to_s : chunk.to_s }.join
        else
          arg.to_s
        end
      end
    rescue StandardError
      []
    end
  end

  # 1. SSTP port: SSTP::SSTPServer < TCPServer calls super(9801).
  module SSTPPort
    def initialize(*args)
      if !PORT.empty? && args.length == 1 && args[0].to_i == NINIX_DEFAULT_SSTP_PORT &&
         defined?(::SSTP::SSTPServer) && is_a?(::SSTP::SSTPServer)
        port = Integer(PORT, 10)
        begin
          super(BIND, port)
        rescue SystemCallError => e
          ZabitanNinixHooks.trace('listen_error', 'port' => port, 'bind' => BIND, 'error' => e.message)
          warn "zabitan_hooks: cannot listen on #{BIND}:#{port}: #{e.message}"
          raise
        end
        ZabitanNinixHooks.trace('listen', 'port' => port, 'bind' => BIND)
        warn "zabitan_hooks: SSTP on #{BIND}:#{port} (instead of 0.0.0.0:#{NINIX_DEFAULT_SSTP_PORT})"
      else
        super
      end
    end
  end
  TCPServer.prepend(SSTPPort)

  # 2. Trace hooks, prepended to ninix's classes once they are defined.
  module RequestHandlerHooks
    def enqueue_request(sender, event, handle, script_odict, entry_db)
      peer = begin
        @fp.peeraddr(false)[3]
      rescue StandardError
        nil
      end
      ZabitanNinixHooks.trace('recv', 'request' => @requestline, 'sender' => sender, 'peer' => peer,
                                      'event' => event.is_a?(Array) ? event[0] : event,
                                      'scripts' => (script_odict || {}).to_a)
      super
    end

    def send_response(code, message: nil)
      ZabitanNinixHooks.trace('response', 'request' => @requestline, 'code' => code)
      super
    end
  end

  module SakuraHooks
    def start_script(script, origin: nil)
      unless script.nil? || script.empty?
        ZabitanNinixHooks.trace('script', 'origin' => origin == FROM_SSTP_CLIENT ? 'sstp' : 'ghost',
                                          'script' => script)
      end
      super
    end

    def __yen_n(args)
      ZabitanNinixHooks.newline_depth += 1
      begin
        super
      ensure
        ZabitanNinixHooks.newline_depth -= 1
      end
    end
  end

  # A tag hook for every method SakuraScript tags dispatch to (Sakura::SCRIPT_TAG).
  def self.tag_hooks(names)
    Module.new do
      names.each do |fn|
        define_method(fn) do |args|
          ZabitanNinixHooks.trace('tag', 'fn' => fn.to_s, 'args' => ZabitanNinixHooks.tag_args(args))
          super(args)
        end
      end
    end
  end

  module BalloonHooks
    def append_text(side, text)
      ZabitanNinixHooks.trace('text', 'side' => side, 'text' => text,
                                      'newline' => ZabitanNinixHooks.newline_depth.positive?)
      super
    end

    def clear_text(side)
      ZabitanNinixHooks.trace('clear', 'side' => side)
      super
    end

    def clear_text_all
      ZabitanNinixHooks.trace('clear', 'side' => nil)
      super
    end

    def hide_all
      ZabitanNinixHooks.trace('hide')
      super
    end

    def show_sstp_message(message, sender)
      ZabitanNinixHooks.trace('marker', 'sender' => message, 'host' => sender)
      super
    end
  end

  # ninix opens its log console at boot (before it has counted ghosts and balloons) and
  # leaves it on screen. Close it again once ninix is satisfied, so that screenshots show
  # only the ghost; when something is missing (no ghost or balloon) it stays open.
  module ConsoleHooks
    def open
      super
      close if ENV.fetch('ZABITAN_NINIX_HIDE_CONSOLE', '1') != '0' && @app.confirmed
    end
  end

  PENDING = {
    'Ninix_Main::Console' => ->(klass) { klass.prepend(ConsoleHooks) },
    'SSTP::SSTPRequestHandler' => ->(klass) { klass.prepend(RequestHandlerHooks) },
    'Sakura::Sakura' => lambda do |klass|
      klass.prepend(SakuraHooks)
      # SCRIPT_TAG is defined inside the class body, so it exists at its `end`.
      klass.prepend(tag_hooks(klass.const_get(:SCRIPT_TAG).values.compact.uniq.map(&:to_sym)))
    end,
    'Balloon::Balloon' => ->(klass) { klass.prepend(BalloonHooks) }
  }

  # Runs at the `end` of every class/module body until all of PENDING is applied.
  @tracepoint = TracePoint.new(:end) do |tp|
    mod = tp.self
    name = mod.is_a?(Module) ? mod.name : nil
    patch = name && PENDING.delete(name)
    if patch
      begin
        patch.call(mod)
      rescue StandardError => e
        warn "zabitan_hooks: cannot hook #{name}: #{e.class}: #{e.message}"
      end
      @tracepoint.disable if PENDING.empty?
    end
  end
  @tracepoint.enable
end
