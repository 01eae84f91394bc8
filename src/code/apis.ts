/**
 * What the code model knows about the Android and Java library: the parents of common framework classes
 * (so a call on an app's Activity subclass is recognised as a Context call), the APIs that run code
 * later on another thread or on an event (the asynchronous edges of the call graph), and the callback
 * methods each of them ends in.
 */

/** Framework superclasses of framework classes an app's classes commonly extend. */
export const FRAMEWORK_PARENT: Record<string, string> = {
  'Landroid/app/Activity;': 'Landroid/view/ContextThemeWrapper;',
  'Landroid/view/ContextThemeWrapper;': 'Landroid/content/ContextWrapper;',
  'Landroid/app/Service;': 'Landroid/content/ContextWrapper;',
  'Landroid/app/IntentService;': 'Landroid/app/Service;',
  'Landroid/app/job/JobService;': 'Landroid/app/Service;',
  'Landroid/app/Application;': 'Landroid/content/ContextWrapper;',
  'Landroid/content/ContextWrapper;': 'Landroid/content/Context;',
  'Landroidx/appcompat/app/AppCompatActivity;': 'Landroidx/fragment/app/FragmentActivity;',
  'Landroidx/fragment/app/FragmentActivity;': 'Landroidx/activity/ComponentActivity;',
  'Landroidx/activity/ComponentActivity;': 'Landroidx/core/app/ComponentActivity;',
  'Landroidx/core/app/ComponentActivity;': 'Landroid/app/Activity;',
  'Landroid/support/v7/app/AppCompatActivity;': 'Landroid/support/v4/app/FragmentActivity;',
  'Landroid/support/v4/app/FragmentActivity;': 'Landroid/app/Activity;',
  'Ljava/util/HashSet;': 'Ljava/util/Set;',
  'Ljava/util/LinkedHashSet;': 'Ljava/util/HashSet;',
  'Ljava/util/TreeSet;': 'Ljava/util/Set;',
  'Ljava/util/ArrayList;': 'Ljava/util/List;',
  'Ljava/util/LinkedList;': 'Ljava/util/List;',
  'Ljava/util/concurrent/CopyOnWriteArrayList;': 'Ljava/util/List;',
  'Ljava/util/Set;': 'Ljava/util/Collection;',
  'Ljava/util/List;': 'Ljava/util/Collection;',
  'Ljava/util/HashMap;': 'Ljava/util/Map;',
  'Ljava/util/concurrent/ConcurrentHashMap;': 'Ljava/util/Map;',
  'Ljava/util/LinkedHashMap;': 'Ljava/util/HashMap;',
  'Ljava/util/concurrent/ThreadPoolExecutor;': 'Ljava/util/concurrent/ExecutorService;',
  'Ljava/util/concurrent/ScheduledThreadPoolExecutor;': 'Ljava/util/concurrent/ScheduledExecutorService;',
  'Ljava/util/concurrent/ScheduledExecutorService;': 'Ljava/util/concurrent/ExecutorService;',
  'Ljava/util/concurrent/ExecutorService;': 'Ljava/util/concurrent/Executor;',
  'Ljava/net/HttpURLConnection;': 'Ljava/net/URLConnection;',
  'Ljavax/net/ssl/HttpsURLConnection;': 'Ljava/net/HttpURLConnection;',
};

/** How an asynchronous API hands over code: which argument carries the callback object and what it runs. */
export interface AsyncApi {
  /** Argument index (0 = receiver for instance calls) holding the callback object. */
  arg: number | 'receiver';
  /** Methods of the callback's class that the API ends up running. */
  runs: string[];
  kind: 'thread' | 'executor' | 'handler' | 'async-task' | 'timer' | 'receiver' | 'observer' | 'listener';
}

const RUN = ['run'];
export const ASYNC_APIS: Record<string, AsyncApi> = {
  'Ljava/lang/Thread;-><init>': { arg: 1, runs: RUN, kind: 'thread' },
  'Ljava/lang/Thread;->start': { arg: 'receiver', runs: RUN, kind: 'thread' },
  'Ljava/util/concurrent/Executor;->execute': { arg: 1, runs: RUN, kind: 'executor' },
  'Ljava/util/concurrent/ExecutorService;->submit': { arg: 1, runs: ['run', 'call'], kind: 'executor' },
  'Ljava/util/concurrent/ExecutorService;->invokeAll': { arg: 1, runs: ['call'], kind: 'executor' },
  'Ljava/util/concurrent/ScheduledExecutorService;->schedule': { arg: 1, runs: ['run', 'call'], kind: 'executor' },
  'Ljava/util/concurrent/ScheduledExecutorService;->scheduleAtFixedRate': { arg: 1, runs: RUN, kind: 'executor' },
  'Ljava/util/concurrent/ScheduledExecutorService;->scheduleWithFixedDelay': { arg: 1, runs: RUN, kind: 'executor' },
  'Landroid/os/Handler;->post': { arg: 1, runs: RUN, kind: 'handler' },
  'Landroid/os/Handler;->postDelayed': { arg: 1, runs: RUN, kind: 'handler' },
  'Landroid/os/Handler;->postAtTime': { arg: 1, runs: RUN, kind: 'handler' },
  'Landroid/os/Handler;->postAtFrontOfQueue': { arg: 1, runs: RUN, kind: 'handler' },
  'Landroid/os/Handler;->sendMessage': { arg: 'receiver', runs: ['handleMessage'], kind: 'handler' },
  'Landroid/os/Handler;->sendMessageDelayed': { arg: 'receiver', runs: ['handleMessage'], kind: 'handler' },
  'Landroid/os/Handler;->sendMessageAtTime': { arg: 'receiver', runs: ['handleMessage'], kind: 'handler' },
  'Landroid/os/Handler;->sendEmptyMessage': { arg: 'receiver', runs: ['handleMessage'], kind: 'handler' },
  'Landroid/os/Handler;->sendEmptyMessageDelayed': { arg: 'receiver', runs: ['handleMessage'], kind: 'handler' },
  'Landroid/os/Handler;->sendEmptyMessageAtTime': { arg: 'receiver', runs: ['handleMessage'], kind: 'handler' },
  'Landroid/os/Message;->sendToTarget': { arg: 'receiver', runs: ['handleMessage'], kind: 'handler' },
  'Landroid/os/Handler;-><init>': { arg: 2, runs: ['handleMessage'], kind: 'handler' },
  'Landroid/view/View;->post': { arg: 1, runs: RUN, kind: 'handler' },
  'Landroid/view/View;->postDelayed': { arg: 1, runs: RUN, kind: 'handler' },
  'Landroid/app/Activity;->runOnUiThread': { arg: 1, runs: RUN, kind: 'handler' },
  'Landroid/os/AsyncTask;->execute': {
    arg: 'receiver',
    runs: ['doInBackground', 'onPreExecute', 'onPostExecute'],
    kind: 'async-task',
  },
  'Landroid/os/AsyncTask;->executeOnExecutor': {
    arg: 'receiver',
    runs: ['doInBackground', 'onPreExecute', 'onPostExecute'],
    kind: 'async-task',
  },
  'Landroid/os/AsyncTask;->execute(Runnable)': { arg: 1, runs: RUN, kind: 'async-task' },
  'Ljava/util/Timer;->schedule': { arg: 1, runs: RUN, kind: 'timer' },
  'Ljava/util/Timer;->scheduleAtFixedRate': { arg: 1, runs: RUN, kind: 'timer' },
  'Landroid/content/Context;->registerReceiver': { arg: 1, runs: ['onReceive'], kind: 'receiver' },
  'Landroidx/localbroadcastmanager/content/LocalBroadcastManager;->registerReceiver': {
    arg: 1,
    runs: ['onReceive'],
    kind: 'receiver',
  },
  'Landroid/support/v4/content/LocalBroadcastManager;->registerReceiver': {
    arg: 1,
    runs: ['onReceive'],
    kind: 'receiver',
  },
  'Landroid/content/ContentResolver;->registerContentObserver': { arg: 3, runs: ['onChange'], kind: 'observer' },
  'Landroid/net/ConnectivityManager;->registerNetworkCallback': {
    arg: 2,
    runs: ['onAvailable', 'onLost', 'onCapabilitiesChanged'],
    kind: 'observer',
  },
  'Landroid/net/ConnectivityManager;->registerDefaultNetworkCallback': {
    arg: 1,
    runs: ['onAvailable', 'onLost', 'onCapabilitiesChanged'],
    kind: 'observer',
  },
  'Ljava/util/Observable;->addObserver': { arg: 1, runs: ['update'], kind: 'observer' },
  'Landroidx/lifecycle/LiveData;->observe': { arg: 2, runs: ['onChanged'], kind: 'observer' },
  'Landroidx/lifecycle/LiveData;->observeForever': { arg: 1, runs: ['onChanged'], kind: 'observer' },
  'Landroid/content/SharedPreferences;->registerOnSharedPreferenceChangeListener': {
    arg: 1,
    runs: ['onSharedPreferenceChanged'],
    kind: 'listener',
  },
};

/**
 * Other registrations (`setOnClickListener`, `addCallback`, `subscribe`...): every method of the callback's
 * class may run.
 */
export const LISTENER_NAME =
  /^(?:set|add|register)\w*(?:Listener|Callback|Observer|Watcher|Handler)$|^(?:subscribe|observe|enqueue)$/;

/** Framework classes whose subclasses' lifecycle methods the system calls: the app's entry points. */
export const ENTRY_BASES: Record<string, { kind: string; methods: string[] }> = {
  'Landroid/app/Application;': { kind: 'app-init', methods: ['onCreate', 'attachBaseContext'] },
  'Landroid/app/Activity;': { kind: 'activity', methods: ['onCreate', 'onStart', 'onResume'] },
  'Landroid/app/Service;': { kind: 'service', methods: ['onCreate', 'onStartCommand', 'onBind', 'onHandleIntent'] },
  'Landroid/app/job/JobService;': { kind: 'job', methods: ['onStartJob'] },
  'Landroidx/work/Worker;': { kind: 'work', methods: ['doWork'] },
  'Landroidx/work/ListenableWorker;': { kind: 'work', methods: ['startWork', 'doWork'] },
  'Landroid/content/BroadcastReceiver;': { kind: 'broadcast', methods: ['onReceive'] },
  'Landroid/content/ContentProvider;': { kind: 'provider', methods: ['onCreate'] },
};

/** Actions of system broadcasts that trigger work on their own: connectivity, boot, time. */
export const TRIGGER_ACTIONS = new RegExp(
  'CONNECTIVITY_CHANGE|BOOT_COMPLETED|USER_PRESENT|PACKAGE_ADDED|PACKAGE_REPLACED|TIME_SET|TIMEZONE_CHANGED|' +
    'LOCALE_CHANGED|SIM_STATE_CHANGED|NETWORK_STATE_CHANGED|SCREEN_ON|ALARM',
);
